import { describe, expect, it } from 'vitest';
import { timedBody } from '../../../src/api/middleware/body-timeout.ts';

/** A body that sends `pieces` bytes, one every `everyMs`, then ends. */
function dripping(pieces: number, everyMs: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, everyMs));
      if (sent++ < pieces) controller.enqueue(new Uint8Array([120]));
      else controller.close();
    },
  });
}

const read = async (body: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(body).arrayBuffer());
const timedOut = (reason: 'idle' | 'total') => new Error(`timed out: ${reason}`);

describe('timedBody', () => {
  it('passes a body whose pieces keep coming within the idle time', async () => {
    expect((await read(timedBody(dripping(5, 5), { idleMs: 200, totalMs: 5_000, timedOut }))).length).toBe(5);
  });

  it('fails a body that pauses longer than the idle time', async () => {
    await expect(read(timedBody(dripping(5, 300), { idleMs: 100, totalMs: 5_000, timedOut }))).rejects.toThrow(
      'timed out: idle',
    );
  });

  it('fails a body that keeps dripping within the idle time but outlasts the total budget', async () => {
    await expect(read(timedBody(dripping(100, 50), { idleMs: 200, totalMs: 400, timedOut }))).rejects.toThrow(
      'timed out: total',
    );
  });
});
