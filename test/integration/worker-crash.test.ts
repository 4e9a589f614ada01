// A render worker killed while it holds jobs loses none of them, the way BullMQ's own
// tests/stalled_jobs.test.ts shows it: hold jobs on purpose, kill, read the orphaned active jobs after the
// kill, then wait for exactly what is asserted: their `stalled` events, then their completion by another worker.
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.ts';
import { createDb } from '../../src/store/db.ts';
import { exited, startProcess, startStack, type TestStack } from '../support/harness.ts';

// Short locks so BullMQ's stall detection notices the dead worker within seconds.
const CONCURRENCY = 4;
const FAST_STALLS = {
  RENDER_LOCK_MS: '2000',
  RENDER_STALLED_INTERVAL_MS: '1000',
  RENDER_CONCURRENCY: String(CONCURRENCY),
};
const CODES = 3 * CONCURRENCY;

let stack: TestStack;
let events: QueueEvents;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: FAST_STALLS });
  events = new QueueEvents('render', {
    connection: createRedis(stack.config.redisUrl, 'worker'),
    prefix: stack.config.queuePrefix,
  });
  await events.waitUntilReady();
});
afterAll(async () => {
  await events?.close();
  await stack.close();
});

/**
 * Resolves with each id's event payload once every id in `ids` has had `event` on the render queue
 * (listening from now on); rejects after `timeoutMs` naming the ids still missing.
 */
function eachOf(event: 'active' | 'stalled' | 'completed', ids: Set<string> | number, timeoutMs = 30_000) {
  const seen = new Map<string, unknown>();
  return new Promise<Map<string, unknown>>((resolve, reject) => {
    const done = () => (typeof ids === 'number' ? seen.size >= ids : [...ids].every((id) => seen.has(id)));
    const listener = (args: { jobId: string; returnvalue?: unknown }) => {
      if (typeof ids !== 'number' && !ids.has(args.jobId)) return;
      seen.set(args.jobId, args.returnvalue);
      if (!done()) return;
      clearTimeout(timer);
      events.off(event, listener);
      resolve(seen);
    };
    const timer = setTimeout(() => {
      events.off(event, listener);
      const missing = typeof ids === 'number' ? `${ids - seen.size} of ${ids}` : [...ids].filter((id) => !seen.has(id));
      reject(new Error(`no '${event}' event within ${timeoutMs} ms for ${JSON.stringify(missing)}`));
    }, timeoutMs);
    events.on(event, listener);
  });
}

it('a worker killed with SIGKILL while holding jobs loses none of them: they stall and another worker completes them', async () => {
  const ids: string[] = [];
  for (let i = 0; i < CODES; i++) {
    const res = await stack.request('POST', '/v1/codes', { symbology: 'datamatrix', data: `crash test ${i}` });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as any).id);
  }

  // Hold the jobs on purpose: the codes' rows stay locked, so the worker's claim waits on them and each
  // job it takes stays active in its hands until it dies.
  const locker = createDb({ databaseUrl: stack.config.databaseUrl, poolSize: 1 });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holding = locker.transaction().execute(async (trx) => {
    await trx.selectFrom('codes').select('id').where('id', 'in', ids).forUpdate().execute();
    locked();
    await released;
  });
  await Promise.race([lockTaken, holding]);
  const taken = eachOf('active', CONCURRENCY);
  const first = startProcess('workers/render.ts', stack.env);
  const second: { child?: ReturnType<typeof startProcess> } = {};
  try {
    await taken;
    first.kill('SIGKILL');
    await exited(first);

    // The orphans, read after the kill: nobody can finish or move them until a stall check runs.
    const held = new Set((await stack.queues.render.getActive()).map((job) => job.id!));
    expect(held.size).toBe(CONCURRENCY);
    expect([...held].every((id) => ids.includes(id))).toBe(true);
    release();
    await holding;

    const stalled = eachOf('stalled', held);
    const completed = eachOf('completed', new Set(ids), 60_000);
    second.child = startProcess('workers/render.ts', stack.env);
    expect([...(await stalled).keys()].sort()).toEqual([...held].sort());
    const outcomes = await completed;
    for (const id of held) expect(outcomes.get(id), id).toMatchObject([{ outcome: 'succeeded', codeId: id }]);
  } finally {
    release();
    await holding.catch(() => {});
    await locker.destroy();
    first.kill('SIGKILL');
    second.child?.kill('SIGTERM');
    if (second.child) expect(await exited(second.child), second.child.output()).toBe(0);
  }

  const rows = await stack.db.selectFrom('codes').select(['id', 'status']).where('id', 'in', ids).execute();
  expect(rows.filter((row) => row.status !== 'succeeded')).toEqual([]);
  const results = await stack.db
    .selectFrom('results')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(results.n)).toBe(CODES);
}, 120_000);
