import { afterAll, expect, it } from 'vitest';
import { createDb } from '../../src/store/db.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, jsonBody, startProcess, uniqueEnv } from '../support/harness.ts';

const CODES = 500;
const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'scrape me' };
const adminAuth = `Basic ${Buffer.from(`${ADMIN.ADMIN_USER}:${ADMIN.ADMIN_PASSWORD}`).toString('base64')}`;
const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url).catch(() => {});
});

it('npm start: /metrics merges API and worker processes; SIGTERM with 500 codes in flight exits 0 in time, none left processing, all succeed after restart; queues CLI', async () => {
  const port = await freePort();
  const env: Record<string, string> = {
    ...uniqueEnv(),
    ...ADMIN,
    PORT: String(port),
    WORKERS: '1',
    RENDER_CONCURRENCY: '1',
    // One code per job: the most work stays queued behind the drain, so SIGTERM meets codes in flight.
    RENDER_JOB_CODES: '1',
    METRICS_PUBLISH_MS: '300',
  };
  databases.push(env.DATABASE_URL!);
  const base = `http://127.0.0.1:${port}`;
  const db = createDb({ databaseUrl: env.DATABASE_URL!, poolSize: 2 });
  const statusCount = async (status: 'succeeded' | 'processing') =>
    Number(
      (
        await db
          .selectFrom('codes')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '=', status)
          .executeTakeFirstOrThrow()
      ).n,
    );

  let main = startProcess('src/main.ts', env);
  let submitted = 0; // codes accepted: more than CODES when the worker kept up with a round
  try {
    await eventually(
      async () => {
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        return true;
      },
      60_000,
      200,
    );
    const cli = startProcess('src/cli.ts', env, [
      'keys',
      'create',
      '--account',
      'ops-test',
      '--rate',
      '100000',
      '--burst',
      '100000',
      '--json',
    ]);
    expect(await exited(cli), cli.output()).toBe(0);
    const authorization = `Bearer ${JSON.parse(cli.output()).key}`;
    /** Submits `count` DataMatrix codes, 50 at a time, numbered from `from`. */
    const submit = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 50) {
        const responses = await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            fetch(`${base}/v1/codes`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization },
              body: jsonBody('POST', '/v1/codes', {
                symbology: 'datamatrix',
                data: `in flight ${i + j} ${'x'.repeat(1000)}`,
                scale: 10,
              }),
            }),
          ),
        );
        for (const res of responses) expect(res.status).toBe(202);
      }
    };
    await submit(0, CODES / 2);
    submitted = CODES / 2;

    // The worker process published its render metrics; the API process merges them with its own.
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${base}/metrics`, { headers: { authorization: adminAuth } })).text();
        return (
          /render_duration_seconds_count\{symbology="datamatrix",format="png",outcome="succeeded",role="worker:render"\} [1-9]/.test(
            text,
          ) && text
        );
      },
      20_000,
      200,
    );
    expect(metrics).toMatch(/http_requests_total\{route="\/v1\/codes",method="POST",status="202",role="api"\} 250/);
    expect(metrics).toMatch(/queue_jobs\{queue="render",state="waiting"\} \d+/);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);

    const depth = startProcess('src/cli.ts', env, ['queues', 'depth', '--json']);
    expect(await exited(depth), depth.output()).toBe(0);
    expect((JSON.parse(depth.output()) as any[]).map((q) => q.queue)).toEqual(
      expect.arrayContaining(['render', 'maintenance']),
    );
    // More goes in just before SIGTERM until some of it is still unrendered when the signal leaves: one
    // worker rendering one code at a time falls behind 50 submissions at once, but a fast machine may
    // finish one round before the count is read, so the condition is waited for, not assumed.
    for (let round = 1; ; round++) {
      await submit(submitted, CODES / 2);
      submitted += CODES / 2;
      if ((await statusCount('succeeded')) < submitted) break;
      expect(round, 'one worker kept up with every round of 250 submissions').toBeLessThan(8);
    }
  } finally {
    main.kill('SIGTERM');
  }
  const started = Date.now();
  expect(await exited(main), main.output()).toBe(0);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(await statusCount('processing')).toBe(0);

  // The queue survives in Redis; the CLI pauses and resumes it while nothing runs.
  for (const args of [
    ['queues', 'pause', 'render'],
    ['queues', 'resume', 'render'],
    ['queues', 'drain-failed', 'render'],
  ]) {
    const child = startProcess('src/cli.ts', env, args);
    expect(await exited(child), child.output()).toBe(0);
  }

  main = startProcess('src/main.ts', env);
  try {
    await eventually(
      async () => {
        expect(await statusCount('succeeded')).toBe(submitted);
        return true;
      },
      // Bounds for a failure, not speed checks: a busy shared machine starts and renders slowly.
      150_000,
      250,
    );
    expect(await statusCount('processing')).toBe(0);
    // The drain may have finished every code already: stop only once the restarted service is up.
    await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 60_000, 200);
  } finally {
    main.kill('SIGTERM');
    expect(await exited(main), main.output()).toBe(0);
    await db.destroy();
  }
}, 300_000);
