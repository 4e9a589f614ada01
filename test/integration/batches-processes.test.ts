import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, exited, startProcess, startStack, type TestStack } from '../support/harness.ts';

// Short locks so that a killed worker's jobs are taken over within seconds; small chunks so that
// expansion is still running when the test kills its worker.
const ENV = {
  RENDER_LOCK_MS: '2000',
  RENDER_STALLED_INTERVAL_MS: '1000',
  BATCH_LOCK_MS: '2000',
  METRICS_PUBLISH_MS: '200',
  BATCH_CHUNK_ROWS: '100',
  RENDER_CONCURRENCY: '4',
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: ENV });
});
afterAll(() => stack.close());

async function upload(body: string, key = stack.key.key): Promise<string> {
  const res = await stack.app.request(
    '/v1/batches',
    { method: 'POST', body, headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}` } },
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as any).id;
}
const batchOf = async (id: string, key = stack.key.key) =>
  (await (
    await stack.request('GET', `/v1/batches/${id}`, undefined, { authorization: `Bearer ${key}` })
  ).json()) as any;

describe('batches across worker crashes', () => {
  it('a worker killed during expansion and one killed during rendering lose no row', async () => {
    const rows = 3000;
    const id = await upload(
      ['data,symbology', ...Array.from({ length: rows }, (_, i) => `crash row ${i},datamatrix`)].join('\n'),
    );
    let expander = startProcess('workers/batches.ts', stack.env);
    let renderer = startProcess('workers/render.ts', stack.env);
    try {
      const linked = async () =>
        Number(
          (
            await stack.db
              .selectFrom('batch_rows')
              .select((eb) => eb.fn.count('code_id').as('n'))
              .where('batch_id', '=', id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      await eventually(
        async () => {
          expect(await linked()).toBeGreaterThan(0);
          return true;
        },
        20_000,
        5,
      );
      expander.kill('SIGKILL');
      await exited(expander);
      expect(await linked()).toBeLessThan(rows);
      expander = startProcess('workers/batches.ts', stack.env);

      await eventually(
        async () => {
          expect((await batchOf(id)).counts.succeeded).toBeGreaterThan(200);
          return true;
        },
        60_000,
        50,
      );
      renderer.kill('SIGKILL');
      await exited(renderer);
      renderer = startProcess('workers/render.ts', stack.env);

      const done = await eventually(
        async () => {
          const batch = await batchOf(id);
          expect(batch.status, JSON.stringify(batch.counts)).toBe('completed');
          return batch;
        },
        120_000,
        250,
      );
      expect(done.counts).toEqual({ total: rows, queued: 0, processing: 0, succeeded: rows, failed: 0, canceled: 0 });
      const codes = await stack.db
        .selectFrom('codes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('batch_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(Number(codes.n)).toBe(rows);
      // The batches worker publishes its own metrics, like every worker role (src/worker-runner.ts).
      await eventually(async () => {
        const keys = await stack.redis.keys(`${stack.env.QUEUE_PREFIX}:metrics:worker:batches:*`);
        const published = keys.length ? await stack.redis.mget(keys) : [];
        return published.some(
          (json) =>
            json?.includes('"queue_jobs_processed_total"') && /"queue":"batches","outcome":"completed"/.test(json),
        );
      }, 10_000);
    } finally {
      for (const child of [expander, renderer]) child.kill('SIGTERM');
      await Promise.all([exited(expander), exited(renderer)]);
    }
  }, 200_000);
});

describe('fairness', () => {
  it("interactive codes and a second account's batch do not wait behind a big batch", async () => {
    const big = await upload(['data', ...Array.from({ length: 3000 }, (_, i) => `big batch row ${i}`)].join('\n'));
    const expander = startProcess('workers/batches.ts', stack.env);
    const renderer = startProcess('workers/render.ts', stack.env);
    try {
      await eventually(
        async () => {
          expect((await batchOf(big)).counts.succeeded).toBeGreaterThan(100);
          return true;
        },
        60_000,
        20,
      );
      const other = await stack.seedKey();
      const small = await upload(
        ['data', ...Array.from({ length: 100 }, (_, i) => `small batch row ${i}`)].join('\n'),
        other.key,
      );
      const interactive = (await (
        await stack.request('POST', '/v1/codes', { data: 'interactive while a batch drains' })
      ).json()) as any;

      const interactiveDone = await stack.waitForCode(interactive.id, 30_000);
      expect(interactiveDone.status).toBe('succeeded');
      expect((await batchOf(big)).status).not.toBe('completed');

      await eventually(
        async () => {
          expect((await batchOf(small, other.key)).status).toBe('completed');
          return true;
        },
        60_000,
        50,
      );
      const bigNow = await batchOf(big);
      expect(bigNow.status, JSON.stringify(bigNow.counts)).not.toBe('completed');
      await eventually(
        async () => {
          expect((await batchOf(big)).status).toBe('completed');
          return true;
        },
        120_000,
        250,
      );
    } finally {
      for (const child of [expander, renderer]) child.kill('SIGTERM');
      await Promise.all([exited(expander), exited(renderer)]);
    }
  }, 200_000);
});
