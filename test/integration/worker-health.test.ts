// A worker's probes (WORKER_HEALTH_PORT), as Kubernetes uses them: /healthz while the process runs, /readyz
// only while its own Redis and PostgreSQL connections answer, 503 once it loses Redis.
import { afterAll, expect, it } from 'vitest';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, startProcess, startRedisServer, uniqueEnv } from '../support/harness.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

it('a worker answers /healthz and /readyz, and /readyz fails when its Redis goes away', async () => {
  const redisPort = await freePort();
  const redis = await startRedisServer({ port: redisPort });
  cleanups.push(async () => redis.kill('SIGKILL'));
  const healthPort = await freePort();
  const env: Record<string, string> = {
    ...uniqueEnv(),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    WORKER_HEALTH_PORT: String(healthPort),
  };
  await prepareDatabase(env.DATABASE_URL!);
  cleanups.push(() => dropDatabase(env.DATABASE_URL!));
  const worker = startProcess('workers/maintenance.ts', env);
  cleanups.push(async () => {
    worker.kill('SIGKILL');
    await exited(worker);
  });
  const probe = (path: string) => fetch(`http://127.0.0.1:${healthPort}${path}`);
  await eventually(async () => (await probe('/readyz')).status === 200, 30_000, 100);
  expect(await (await probe('/readyz')).json()).toEqual({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });

  redis.kill('SIGKILL');
  await exited(redis);
  const unready = await eventually(async () => {
    const res = await probe('/readyz');
    return res.status === 503 && ((await res.json()) as { checks: Record<string, string> });
  }, 20_000);
  expect(unready.checks.redis).not.toBe('ok');
  expect(unready.checks.postgres).toBe('ok');
  expect((await probe('/healthz')).status).toBe(200);
}, 60_000);
