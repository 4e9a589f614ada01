import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readEventStream, type StreamMessage } from '../support/sse.ts';
import { loadConfig } from '../../src/config.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { heapFlags } from '../../src/supervisor.ts';
import { eventually, exited, freePort, jsonBody, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';

const CLIENTS = 1000;
const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url);
});

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** Runs `task` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

describe('1,000 concurrent SSE clients on one API process', () => {
  it('holds them all with bounded memory, refuses the next one, and ends each at its terminal event', async () => {
    const port = await freePort();
    const env: Record<string, string> = {
      ...uniqueEnv(),
      PORT: String(port),
      WORKERS: '0',
      SSE_KEEP_ALIVE_MS: '1000',
      SSE_MAX_CONNECTIONS: String(CLIENTS),
      LOG_LEVEL: 'error',
    };
    databases.push(env.DATABASE_URL!);
    expect(await exited(startProcess('src/cli.ts', env, ['migrate']))).toBe(0);
    const cli = startProcess('src/cli.ts', env, [
      'keys',
      'create',
      '--account',
      'sse-scale',
      '--rate',
      '100000',
      '--burst',
      '100000',
      '--json',
    ]);
    expect(await exited(cli), cli.output()).toBe(0);
    const headers = { authorization: `Bearer ${JSON.parse(cli.output()).key}`, 'content-type': 'application/json' };
    // The heap bounds npm start gives every API process (HEAP_MB, API_SEMI_SPACE_MB).
    const api = startProcess(
      'src/main.ts',
      { ...env, NODE_OPTIONS: heapFlags(loadConfig(env, ROOT), 'api').join(' ') },
      ['api'],
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 30_000, 200);
      const ids: string[] = [];
      await inParallel(
        Array.from({ length: CLIENTS }, (_, i) => i),
        25,
        async (i) => {
          const res = await fetch(`${base}/v1/codes`, {
            method: 'POST',
            headers,
            body: jsonBody('POST', '/v1/codes', { data: `sse scale ${i}` }),
          });
          expect(res.status).toBe(202);
          ids.push(((await res.json()) as { id: string }).id);
        },
      );
      // Warm the stream path once so the baseline includes loaded modules, not just an idle heap.
      const warm = await fetch(`${base}/v1/codes/${ids[0]}/events`, { headers: { ...headers, 'last-event-id': '3' } });
      await warm.body!.cancel();
      const before = rssKb(api.pid!);

      // Opened 50 at a time (each open reads the code from a pool of 10 connections, which answers 503
      // past its wait bound), and each held open once its first event arrived: 1,000 held at once.
      const streams: AsyncGenerator<StreamMessage>[] = [];
      await inParallel(ids, 50, async (id) => {
        const res = await fetch(`${base}/v1/codes/${id}/events`, { headers });
        if (res.status !== 200) expect.fail(`${res.status} ${await res.text()}`); // the body of a stream never ends
        const messages = readEventStream(res.body!);
        let first: IteratorResult<StreamMessage>;
        do
          first = await messages.next(); // a keep-alive may come first while the machine is busy
        while (!first.done && first.value.kind === 'comment');
        expect(first.value).toMatchObject({ kind: 'event', id: '1', event: 'queued' });
        streams.push(messages);
      });
      const over = await fetch(`${base}/v1/codes/${ids[0]}/events`, { headers });
      expect(over.status).toBe(503);
      expect(over.headers.get('retry-after')).toBe('1');

      // Every client gets a keep-alive while held (SSE_KEEP_ALIVE_MS=1000 here).
      await Promise.all(
        streams.map(async (messages) => {
          let message: IteratorResult<StreamMessage>;
          do message = await messages.next();
          while (!message.done && message.value.kind !== 'comment');
          expect(message.value).toEqual({ kind: 'comment', text: 'keep-alive' });
        }),
      );
      const held = rssKb(api.pid!);

      // Canceling each code publishes once; every stream ends after its canceled event.
      await inParallel(ids, 25, async (id) =>
        expect((await fetch(`${base}/v1/codes/${id}/cancel`, { method: 'POST', headers })).status).toBe(200),
      );
      const ends = await Promise.all(
        streams.map(async (messages) => {
          const events: string[] = [];
          for await (const m of messages) if (m.kind === 'event') events.push(m.event);
          return events.join(',');
        }),
      );
      expect(new Set(ends)).toEqual(new Set(['canceled']));
      const after = rssKb(api.pid!);
      const perClientKb = (held - before) / CLIENTS;
      console.log(
        `SSE ${CLIENTS} clients: API RSS ${Math.round(before / 1024)} MB before, ${Math.round(held / 1024)} MB held (+${Math.round((held - before) / 1024)} MB, ${perClientKb.toFixed(1)} KB/client), ${Math.round(after / 1024)} MB after all closed`,
      );
      // A held stream costs tens of KB under these heap bounds (several times that without them); 200 KB leaves room for a busy machine.
      expect(perClientKb).toBeLessThan(200);
    } finally {
      api.kill('SIGTERM');
      await exited(api);
    }
  }, 180_000);
});
