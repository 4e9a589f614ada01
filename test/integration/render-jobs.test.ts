// Render jobs carrying several codes (RENDER_JOB_CODES): submissions that arrive together share jobs,
// every code keeps its own status (one failing does not fail the others), and the reconciler finds each
// code's job through its row, so a shared job that is alive is left alone and one Redis lost is made
// good code by code.
import { Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcileCodes, type MaintenanceDeps } from '../../src/jobs/maintenance.ts';
import { renderCodes } from '../../src/jobs/render-code.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { eventually, startStack } from '../support/harness.ts';

let stack: Awaited<ReturnType<typeof startStack>>;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { RENDER_JOB_CODES: '8' } });
});
afterAll(async () => {
  await stack.close();
});

const reconcile = async () =>
  (await reconcileCodes({
    db: stack.db,
    queues: stack.queues,
    clock: () => new Date(),
    reconcile: { afterMs: 0, batchSize: 7 },
  } as unknown as MaintenanceDeps)) as { requeued: number };

async function submitTogether(tag: string, n: number): Promise<string[]> {
  const responses = await Promise.all(
    Array.from({ length: n }, (_, i) => stack.request('POST', '/v1/codes', { data: `${tag} ${i}`, format: 'svg' })),
  );
  return Promise.all(
    responses.map(async (res) => {
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    }),
  );
}

const jobsOf = async () =>
  (await stack.queues.render.getJobs(['waiting', 'prioritized'])).map((job) => ({
    id: job.id!,
    codeIds: (job.data as { codeIds: string[] }).codeIds,
  }));

it('codes submitted together share jobs of at most RENDER_JOB_CODES, each code in exactly one', async () => {
  const ids = await submitTogether('shared', 20);
  const jobs = (await jobsOf()).filter((job) => job.codeIds.some((id) => ids.includes(id)));
  expect(jobs.length).toBeLessThan(ids.length);
  expect(Math.max(...jobs.map((job) => job.codeIds.length))).toBeLessThanOrEqual(8);
  expect(jobs.flatMap((job) => job.codeIds).sort()).toEqual([...ids].sort());
  const rows = await stack.db.selectFrom('codes').select(['id', 'render_job']).where('id', 'in', ids).execute();
  for (const row of rows) {
    const job = jobs.find((j) => j.codeIds.includes(row.id))!;
    expect(row.render_job ?? row.id).toBe(job.id);
  }
  // Alive shared jobs are left alone: nothing is enqueued twice.
  expect((await reconcile()).requeued).toBe(0);
  await stack.queues.render.drain(true);
});

it('a shared job with a code that cannot render: that code fails, the others succeed', async () => {
  const ids = await submitTogether('mixed', 6);
  const [job] = (await jobsOf()).filter((j) => j.codeIds.includes(ids[0]!));
  expect(job!.codeIds.length).toBeGreaterThan(1);
  const broken = job!.codeIds[1]!;
  // An input the engine refuses, written behind the API's back (the API would refuse it with a 422).
  await sql`update codes set symbology = 'ean13', data = 'not digits' where id = ${broken}`.execute(stack.db);
  const outcomes = await renderCodes({ data: { codeIds: job!.codeIds } }, { db: stack.db });
  expect(outcomes.map((o) => o.outcome)).toEqual(job!.codeIds.map((id) => (id === broken ? 'failed' : 'succeeded')));
  for (const id of job!.codeIds)
    expect((await stack.waitForCode(id)).status).toBe(id === broken ? 'failed' : 'succeeded');
  // Delivered again (BullMQ is at least once): every code is terminal, nothing is done twice.
  expect((await renderCodes({ data: { codeIds: job!.codeIds } }, { db: stack.db })).map((o) => o.outcome)).toEqual(
    job!.codeIds.map(() => 'skipped'),
  );
  await stack.queues.render.drain(true);
});

it('shared jobs Redis lost: the reconciler gives each of their codes a job, and each renders once', async () => {
  await sql`truncate codes, results`.execute(stack.db);
  const ids = await submitTogether('lost', 30);
  await stack.queues.render.obliterate({ force: true });
  const first = await reconcile();
  expect(first.requeued).toBe(ids.length);
  // Their own jobs are alive now: a second pass adds nothing.
  expect((await reconcile()).requeued).toBe(0);
  const renders = new Map<string, number>();
  const worker = new Worker(
    'render',
    async (job) => {
      const outcomes = await renderCodes(job, { db: stack.db });
      for (const o of outcomes) if (o.outcome === 'succeeded') renders.set(o.codeId, (renders.get(o.codeId) ?? 0) + 1);
      return outcomes;
    },
    { connection: createRedis(stack.config.redisUrl, 'worker'), prefix: stack.config.queuePrefix, concurrency: 4 },
  );
  try {
    await eventually(async () => {
      const n = await stack.db
        .selectFrom('codes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(ids.length);
      return true;
    }, 60_000);
  } finally {
    await worker.close();
  }
  expect([...renders.keys()].sort()).toEqual([...ids].sort());
  expect([...renders.values()].every((n) => n === 1)).toBe(true);
});
