// Issue 9, "what must be shown": two API processes and two render workers, each started as its own
// command (the commands of `npm run api` and `npm run worker:render`) against one Redis and one
// PostgreSQL, serve 10,000 codes with none lost and none rendered twice. The Redis is owned by the
// test, so its client list counts only our processes: the connection budget in the README is checked
// here too, and what the run cost Redis is written to test-output/scale-processes.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/store/db.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import {
  eventually,
  exited,
  freePort,
  jsonBody,
  ROOT,
  startProcess,
  startRedisServer,
  uniqueEnv,
} from '../support/harness.ts';

const CODES = 10_000;
const CONNECTIONS = 32;
const PG_POOL_SIZE = 6;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

type MetricJson = { name: string; values: { value: number; labels: Record<string, string | number> }[] };

/** What each process published to Redis (src/metrics/publish.ts): key → its metrics. */
async function publishedMetrics(redis: Redis, prefix: string, role: string): Promise<Map<string, MetricJson[]>> {
  const keys = await redis.keys(`${prefix}:metrics:${role}:*`);
  const values = keys.length ? await redis.mget(keys) : [];
  return new Map(keys.map((key, i) => [key, JSON.parse(values[i] ?? '[]') as MetricJson[]]));
}

/** The sum of one series over a process's metrics, for the samples whose labels match. */
function sumOf(metrics: MetricJson[], name: string, labels: Record<string, string>): number {
  const metric = metrics.find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((sample) => Object.entries(labels).every(([k, v]) => String(sample.labels[k]) === v))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Redis's own CPU time (user + sys) and commands processed so far. */
async function redisCost(redis: Redis): Promise<{ cpuSeconds: number; commands: number }> {
  const info = (await redis.info('cpu')) + (await redis.info('stats'));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed') };
}

async function redisClients(redis: Redis): Promise<number> {
  const list = await redis.client('LIST');
  return String(list).trim().split('\n').length - 1; // minus the test's own connection
}

// The budget the README states: API 2 (one shared + the status subscriber), render worker 2 (one
// shared, which also publishes status changes, + BullMQ's blocking one).
const API_CONNECTIONS = 2;
const RENDER_CONNECTIONS = 2;

/** The connections a process just started added, once they reach `expected` (or the last count seen). */
async function connectionsAdded(redis: Redis, before: number, expected: number): Promise<number> {
  let added = 0;
  await eventually(async () => {
    added = (await redisClients(redis)) - before;
    expect(added).toBe(expected);
    return true;
  }, 10_000).catch(() => {});
  return added;
}

/**
 * Resolves once each key has been written `times` more times, seen through keyspace notifications
 * (this Redis is the test's own, so turning them on disturbs no one). The subscriber is closed after.
 */
async function writtenAgain(redis: Redis, keys: string[], times: number, timeoutMs = 30_000): Promise<void> {
  await redis.config('SET', 'notify-keyspace-events', 'K$');
  const subscriber = redis.duplicate();
  const writes = new Map(keys.map((key) => [key, 0]));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`writes seen within ${timeoutMs} ms: ${JSON.stringify([...writes])}`)),
        timeoutMs,
      );
      subscriber.on('message', (channel: string, event: string) => {
        const key = channel.slice(channel.indexOf(':') + 1);
        if (event !== 'set' || !writes.has(key)) return;
        writes.set(key, writes.get(key)! + 1);
        if ([...writes.values()].every((n) => n >= times)) {
          clearTimeout(timer);
          resolve();
        }
      });
      subscriber.subscribe(...keys.map((key) => `__keyspace@0__:${key}`)).catch(reject);
    });
  } finally {
    subscriber.disconnect();
    await redis.config('SET', 'notify-keyspace-events', '');
  }
}

describe('scale out: separate API and render worker processes', () => {
  it('2 APIs + 2 render workers serve 10,000 codes: none lost, none rendered twice', async () => {
    const redisPort = await freePort();
    const redisServer = await startRedisServer({ port: redisPort });
    cleanups.push(async () => {
      redisServer.kill('SIGTERM');
      await exited(redisServer);
    });
    const env = uniqueEnv({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      WORKERS: '0',
      PG_POOL_SIZE: String(PG_POOL_SIZE),
      METRICS_PUBLISH_MS: '200',
      LOG_LEVEL: 'warn',
    });
    cleanups.push(() => dropDatabase(env.DATABASE_URL!));
    const redis = new Redis(env.REDIS_URL!);
    cleanups.push(async () => redis.disconnect());

    const migrate = startProcess('src/cli.ts', env, ['migrate']);
    expect(await exited(migrate), migrate.output()).toBe(0);
    const cli = startProcess('src/cli.ts', env, [
      'keys',
      'create',
      '--account',
      'scale',
      '--rate',
      '1000000',
      '--burst',
      '1000000',
      '--json',
    ]);
    expect(await exited(cli), cli.output()).toBe(0);
    const authorization = `Bearer ${JSON.parse(cli.output()).key}`;

    // Start the roles one at a time and count the Redis connections each one adds.
    const children: ReturnType<typeof startProcess>[] = [];
    cleanups.push(async () => {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map(exited));
    });
    const added: Record<string, number[]> = { api: [], render: [] };
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const before = await redisClients(redis);
      children.push(startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']));
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 30_000, 100);
      added.api!.push(await connectionsAdded(redis, before, API_CONNECTIONS));
      // HTTP_KEEP_ALIVE_TIMEOUT_MS (65 s default) is what the process announces to clients and balancers.
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.headers.get('keep-alive')).toBe('timeout=65');
    }
    for (let i = 0; i < 2; i++) {
      const before = await redisClients(redis);
      // info level for the 'render worker ready' line (BullMQ's ready: its connections are open).
      const worker = startProcess('workers/render.ts', { ...env, LOG_LEVEL: 'info' });
      children.push(worker);
      await eventually(async () => {
        expect(worker.output()).toContain('render worker ready');
        return true;
      }, 30_000);
      await eventually(async () => {
        expect((await publishedMetrics(redis, env.QUEUE_PREFIX!, 'worker:render')).size).toBe(i + 1);
        return true;
      }, 30_000);
      added.render!.push(await connectionsAdded(redis, before, RENDER_CONNECTIONS));
    }
    expect(added).toEqual({ api: [2, 2], render: [2, 2] });

    // 10,000 distinct codes (unique data, so the content cache never answers), spread over both APIs.
    const redisBefore = await redisCost(redis);
    const started = performance.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, connection) => {
        const base = `http://127.0.0.1:${ports[connection % 2]}`;
        while (next < CODES) {
          const i = next++;
          const res = await fetch(`${base}/v1/codes`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: jsonBody('POST', '/v1/codes', {
              data: `https://example.com/scale/${env.QUEUE_PREFIX}/${i}`,
              verify: false,
              metadata: { i: String(i) },
            }),
          });
          const body = (await res.json()) as { id: string; status: string };
          expect(res.status, JSON.stringify(body)).toBe(202);
          expect(body.status).toBe('queued');
          ids.push(body.id);
        }
      }),
    );
    expect(new Set(ids).size).toBe(CODES);

    const db = createDb({ databaseUrl: env.DATABASE_URL!, poolSize: 2 });
    cleanups.push(() => db.destroy());
    const countBy = async () =>
      (
        await sql<{ status: string; n: number }>`select status, count(*)::int as n from codes group by status`.execute(
          db,
        )
      ).rows;
    await eventually(
      async () => {
        expect(await countBy()).toEqual([{ status: 'succeeded', n: CODES }]);
        return true;
      },
      240_000,
      500,
    );

    const seconds = (performance.now() - started) / 1000;
    const redisAfter = await redisCost(redis);

    // None lost: every accepted id is a succeeded code whose result is stored, one result per code.
    const stored = await sql<{ codes: number; keys: number; with_result: number; results: number }>`
      select count(*)::int as codes, count(distinct c.result_key)::int as keys, count(r.key)::int as with_result,
             (select count(*)::int from results) as results
      from codes c left join results r on r.key = c.result_key
      where c.id = any(${ids}::text[]) and c.status = 'succeeded'`.execute(db);
    expect(stored.rows[0]).toEqual({ codes: CODES, keys: CODES, with_result: CODES, results: CODES });

    // After the load, lazily opened connections included, the processes hold the budget between them.
    expect(await redisClients(redis)).toBe(2 * API_CONNECTIONS + 2 * RENDER_CONNECTIONS);

    // None rendered twice: the render workers' own counters (published to Redis) add up to exactly
    // one render per code, and both workers took a share. Once the counters reach CODES, each worker
    // publishes twice more (the first may hold a snapshot from before): a second render of any code
    // still running then would push the sum above CODES.
    const renders = async () => {
      const perWorker = [...(await publishedMetrics(redis, env.QUEUE_PREFIX!, 'worker:render')).values()].map((m) =>
        sumOf(m, 'codes_finished_total', { status: 'succeeded' }),
      );
      return perWorker;
    };
    await eventually(
      async () => {
        expect((await renders()).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(CODES);
        return true;
      },
      30_000,
      100,
    );
    await writtenAgain(redis, [...(await publishedMetrics(redis, env.QUEUE_PREFIX!, 'worker:render')).keys()], 2);
    const perWorker = await renders();
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(CODES);
    expect(
      perWorker.every((n) => n > 0),
      String(perWorker),
    ).toBe(true);
    expect(perWorker).toHaveLength(2);

    // Both APIs took submissions.
    const perApi = [...(await publishedMetrics(redis, env.QUEUE_PREFIX!, 'api')).values()].map((m) =>
      sumOf(m, 'http_requests_total', { method: 'POST', status: '202' }),
    );
    expect(perApi).toHaveLength(2);
    expect(
      perApi.every((n) => n > 0),
      String(perApi),
    ).toBe(true);

    // Nothing left in the queue, nothing failed, and PostgreSQL never saw more than the pools allow.
    const queue = new Queue('render', { connection: redis, prefix: env.QUEUE_PREFIX });
    expect(await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed')).toEqual({
      wait: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
      failed: 0,
    });
    await queue.close();
    const pg = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`.execute(
      db,
    );
    const sizes = await sql<{
      avg: number;
      total: number;
    }>`select avg(octet_length(bytes))::int as avg, sum(octet_length(bytes))::bigint as total from results`.execute(db);
    expect(pg.rows[0]!.n).toBeLessThanOrEqual(4 * PG_POOL_SIZE + 2);

    // What one code costs Redis (the README's scaling note): recorded, not asserted.
    const cpu = redisAfter.cpuSeconds - redisBefore.cpuSeconds;
    mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'test-output', 'scale-processes.json'),
      JSON.stringify(
        {
          codes: CODES,
          seconds: Math.round(seconds * 10) / 10,
          codesPerSecond: Math.round(CODES / seconds),
          redisCpuSeconds: Math.round(cpu * 100) / 100,
          redisCpuMsPerCode: Math.round((cpu / CODES) * 1000 * 1000) / 1000,
          redisCommandsPerCode: Math.round((redisAfter.commands - redisBefore.commands) / CODES),
          redisConnectionsAdded: added,
          postgresConnections: pg.rows[0]!.n,
          resultBytesAverage: sizes.rows[0]!.avg,
          resultBytesTotal: sizes.rows[0]!.total,
        },
        null,
        2,
      ),
    );

    for (const child of children) child.kill('SIGTERM');
    const codes = await Promise.all(children.map(exited));
    expect(codes, children.map((c) => c.output()).join('\n')).toEqual([0, 0, 0, 0]);
    expect(children.map((c) => c.output()).join('\n')).not.toMatch(/render job failed|unhandled error/);
  }, 300_000);
});
