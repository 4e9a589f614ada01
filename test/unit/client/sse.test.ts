// The client's event-stream reader (src/client/sse.ts) against an independent parser (eventsource-parser)
// over random streams cut at random places, CRLF and LF alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSse } from '../../../src/client/sse.ts';
import { readEventStream } from '../../support/sse.ts';

const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', 'é', '名', '{', '"', '1'), maxLength: 12 });
const message = fc.oneof(
  fc.record({
    kind: fc.constant('event' as const),
    id: fc.integer({ min: 1, max: 999 }).map(String),
    event: fc.constantFrom('queued', 'processing', 'succeeded', 'message'),
    data: fc.array(text, { minLength: 1, maxLength: 3 }),
  }),
  // Comment text the client trims (it is never data), so it is generated without edge spaces.
  fc.record({ kind: fc.constant('comment' as const), text: text.filter((t) => t === t.trim()) }),
);

type Message = { kind: 'event'; id: string; event: string; data: string[] } | { kind: 'comment'; text: string };

function serialize(messages: Message[], eol: string): string {
  return messages
    .map((m) =>
      m.kind === 'comment'
        ? `: ${m.text}${eol}${eol}`
        : `id: ${m.id}${eol}event: ${m.event}${eol}${m.data.map((d) => `data: ${d}${eol}`).join('')}${eol}`,
    )
    .join('');
}

function streamOf(bytes: Buffer, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [0, ...points, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i ? ends[i - 1] : 0, end));
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new Uint8Array(piece));
      controller.close();
    },
  });
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readSse', () => {
  it('reads every stream the way eventsource-parser does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (messages, eol, cuts) => {
          const bytes = Buffer.from(serialize(messages, eol), 'utf8');
          const ours = await all(readSse(streamOf(bytes, cuts)));
          const theirs = await all(readEventStream(streamOf(bytes, cuts)));
          expect(ours).toEqual(theirs);
          expect(theirs.filter((m) => m.kind === 'event')).toHaveLength(
            messages.filter((m) => m.kind === 'event').length,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
