// A batch never stays `validating`: an expansion that fails its last attempt ends the batch failed,
// a lost expansion job is enqueued again by the reconciler, and re-queued batch rows keep the batch lane.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expandBatch } from '../../src/jobs/expand-batch.ts';
import { reconcileCodes, type MaintenanceDeps } from '../../src/jobs/maintenance.ts';
import { QUEUES } from '../../src/queue/catalog.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { closeQueues, openQueues } from '../../src/queue/producer.ts';
import { ndjson, startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
});
afterAll(() => stack.close());

const limits = () => ({
  chunkRows: stack.config.batchChunkRows,
  metadataMaxKeys: stack.config.metadataMaxKeys,
  metadataMaxValueLength: stack.config.metadataMaxValueLength,
  minContrast: stack.config.minContrast,
  renderJobCodes: stack.config.renderJobCodes,
});
const reconcileDeps = (): MaintenanceDeps => ({
  db: stack.db,
  queues: stack.queues,
  clock: () => new Date(Date.now() + 60_000),
  retention: { defaultDays: 30, planDays: {}, codeDays: 30, batchSize: 100 },
  reconcile: { afterMs: 0, batchSize: 100 },
});

async function uploadBatch(rows = 2): Promise<string> {
  const body = ndjson(Array.from({ length: rows }, (_, i) => ({ data: `https://example.com/${i}` })));
  const res = await stack.request('POST', '/v1/batches', body, { 'content-type': 'application/x-ndjson' });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}
const batchOf = async (id: string) => (await (await stack.request('GET', `/v1/batches/${id}`)).json()) as any;

it('an expansion that fails on its last attempt ends the batch failed, with the error', async () => {
  const id = await uploadBatch();
  // Redis unreachable for the expansion: its enqueue fails on every attempt.
  const dead = createRedis(stack.config.redisUrl, 'producer');
  dead.disconnect();
  const queues = openQueues(dead, stack.config.queuePrefix);
  try {
    const attempts = QUEUES.batches.options.attempts;
    const deps = { db: stack.db, queues, limits: limits() };
    await expect(expandBatch({ data: { batchId: id }, attemptsMade: 0, opts: { attempts } }, deps)).rejects.toThrow();
    expect((await batchOf(id)).status).toBe('validating'); // retried by BullMQ
    await expect(
      expandBatch({ data: { batchId: id }, attemptsMade: attempts - 1, opts: { attempts } }, deps),
    ).rejects.toThrow();
    const batch = await batchOf(id);
    expect(batch.status).toBe('failed');
    expect(batch.error).toEqual({ code: 'expansion_failed', message: expect.stringMatching(/could not be expanded/) });
    expect(batch.completed_at).not.toBeNull();
  } finally {
    await closeQueues(queues);
  }
});

it('a lost expansion job is enqueued again by the reconciler, and the batch then expands', async () => {
  const id = await uploadBatch();
  await stack.queues.batches.remove(id); // as after a FLUSHALL
  expect(await stack.queues.batches.getJobState(id)).toBe('unknown');
  const outcome = await reconcileCodes(reconcileDeps());
  expect(outcome).toMatchObject({ task: 'reconcile', expansions: 1 });
  const job = await stack.queues.batches.getJob(id);
  expect(job?.data).toEqual({ batchId: id });
  await expandBatch(job!, { db: stack.db, queues: stack.queues, limits: limits() });
  expect((await batchOf(id)).status).toMatch(/queued|processing/);
  // Nothing lost now: a second pass enqueues nothing.
  expect(await reconcileCodes(reconcileDeps())).toMatchObject({ expansions: 0 });
});

it('a re-queued batch row keeps its batch priority; an interactive code stays interactive', async () => {
  const id = await uploadBatch(1);
  await expandBatch((await stack.queues.batches.getJob(id))!, {
    db: stack.db,
    queues: stack.queues,
    limits: limits(),
  });
  const rows = (await (await stack.request('GET', `/v1/codes?batch_id=${id}`)).json()) as { data: { id: string }[] };
  const rowCode = rows.data[0]!.id;
  const interactive = ((await (await stack.request('POST', '/v1/codes', { data: 'interactive' })).json()) as any).id;
  expect((await stack.queues.render.getJob(rowCode))?.opts.priority).toBeGreaterThan(0);
  await stack.queues.render.remove(rowCode);
  await stack.queues.render.remove(interactive);
  await reconcileCodes(reconcileDeps());
  expect((await stack.queues.render.getJob(rowCode))?.opts.priority).toBeGreaterThan(0);
  expect((await stack.queues.render.getJob(interactive))?.opts.priority ?? 0).toBe(0);
});
