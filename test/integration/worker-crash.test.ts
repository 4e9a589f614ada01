import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.ts';
import { eventually, exited, startProcess, startStack, type TestStack } from '../support/harness.ts';

// Short locks so BullMQ's stall detection notices the dead worker within seconds.
const FAST_STALLS = { RENDER_LOCK_MS: '2000', RENDER_STALLED_INTERVAL_MS: '1000', RENDER_CONCURRENCY: '4' };
const CODES = 400;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: FAST_STALLS });
});
afterAll(() => stack.close());

const succeededCount = async () =>
  Number(
    (
      await stack.db
        .selectFrom('codes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow()
    ).n,
  );

it('a worker killed with SIGKILL while holding jobs loses none of them', async () => {
  const ids: string[] = [];
  for (let i = 0; i < CODES; i++) {
    const res = await stack.request('POST', '/v1/codes', {
      symbology: 'datamatrix',
      data: `crash test ${i} ${'x'.repeat(200)}`,
      scale: 12,
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as any).id);
  }
  const events = new QueueEvents('render', {
    connection: createRedis(stack.config.redisUrl, 'worker'),
    prefix: stack.config.queuePrefix,
  });
  const stalled = new Set<string>();
  events.on('stalled', ({ jobId }) => stalled.add(jobId));
  await events.waitUntilReady();

  const first = startProcess('workers/render.ts', stack.env);
  await eventually(async () => (await succeededCount()) >= 20, 30_000, 20);
  const held = await eventually(
    async () => {
      const active = await stack.queues.render.getActive();
      return active.length > 0 && active.map((job) => job.id!);
    },
    10_000,
    5,
  );
  first.kill('SIGKILL');
  await exited(first);
  expect(await succeededCount()).toBeLessThan(CODES);

  const second = startProcess('workers/render.ts', stack.env);
  try {
    await eventually(async () => (await succeededCount()) === CODES, 90_000, 200);
  } finally {
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    await events.close();
  }
  const rows = await stack.db.selectFrom('codes').select(['id', 'status']).where('id', 'in', held).execute();
  expect(rows.every((row) => row.status === 'succeeded')).toBe(true);
  expect([...stalled].some((id) => held.includes(id))).toBe(true);
  const results = await stack.db
    .selectFrom('results')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(results.n)).toBe(CODES);
}, 150_000);
