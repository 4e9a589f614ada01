import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { applyRetention, type MaintenanceDeps } from '../../src/jobs/maintenance.ts';
import { renderCodes } from '../../src/jobs/render-code.ts';
import { publishMetrics } from '../../src/metrics/publish.ts';
import { createProcessMetrics } from '../../src/metrics/registry.ts';
import { createRedis } from '../../src/queue/connection.ts';
import {
  eventually,
  exited,
  freePort,
  jsonBody,
  startProcess,
  startRedisServer,
  startStack,
  type TestStack,
} from '../support/harness.ts';

// A redis-server of this file's own: it is FLUSHALLed below, which must never touch the shared one.
let redisServer: ChildProcess;
let redisPort: number;
let redisDir: string;
let stack: TestStack;
const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const adminHeaders = { authorization: basic(ADMIN.ADMIN_USER, ADMIN.ADMIN_PASSWORD) };

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = mkdtempSync(path.join(tmpdir(), 'ops-redis-'));
  redisServer = await startRedisServer({ port: redisPort, dir: redisDir });
  stack = await startStack({
    workers: 0,
    env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, ...ADMIN, RENDER_CONCURRENCY: '4' },
  });
});
afterAll(async () => {
  await stack.close();
  redisServer.kill('SIGKILL');
  await exited(redisServer);
});

const count = async (query: string) => Number((await sql.raw<{ n: string }>(query).execute(stack.db)).rows[0]!.n);

it('/readyz answers 200, then 503 the moment shutdown starts', async () => {
  let shuttingDown = false;
  const app = createApp({
    config: stack.config,
    db: stack.db,
    redis: stack.redis,
    queues: stack.queues,
    isShuttingDown: () => shuttingDown,
  });
  expect((await app.request('/readyz')).status).toBe(200);
  shuttingDown = true;
  const res = await app.request('/readyz');
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ status: 'shutting_down' });
  expect((await app.request('/healthz')).status).toBe(200);
});

it('/metrics needs the admin credentials, parses as Prometheus text, merges published processes and moves with submissions', async () => {
  const metrics = createProcessMetrics('api');
  const app = createApp({
    config: stack.config,
    db: stack.db,
    redis: stack.redis,
    queues: stack.queues,
    metrics,
    metricsRole: 'api',
  });
  // Another process (a render worker elsewhere) publishes its registry to Redis.
  const worker = createProcessMetrics('worker:render');
  worker.renderDuration.observe({ symbology: 'qrcode', format: 'png', outcome: 'succeeded' }, 0.004);
  worker.codesFinished.inc({ status: 'succeeded' });
  const stop = publishMetrics(stack.redis, {
    prefix: stack.config.queuePrefix,
    registry: worker.registry,
    role: 'worker:render',
    everyMs: 60_000,
  });

  expect((await app.request('/metrics')).status).toBe(401);
  expect((await app.request('/metrics', { headers: { authorization: basic('ops', 'wrong') } })).status).toBe(401);
  const scrape = async () => {
    const res = await app.request('/metrics', { headers: adminHeaders });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheus(await res.text());
  };
  const submitted = (m: Map<string, number>) =>
    m.get('http_requests_total{route="/v1/codes",method="POST",status="202",role="api"}') ?? 0;
  const before = await scrape();
  for (let i = 0; i < 3; i++) {
    const res = await app.request(
      '/v1/codes',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.key.key}`, 'content-type': 'application/json' },
        body: jsonBody('POST', '/v1/codes', { data: `metrics ${i}` }),
      },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    expect(res.status).toBe(202);
  }
  const after = await scrape();
  expect(submitted(after) - submitted(before)).toBe(3);
  expect(after.get('queue_jobs{queue="render",state="waiting"}')).toBeGreaterThanOrEqual(3);
  expect(
    after.get(
      'render_duration_seconds_count{symbology="qrcode",format="png",outcome="succeeded",role="worker:render"}',
    ),
  ).toBe(1);
  expect(after.get('codes_finished_total{status="succeeded",role="worker:render"}')).toBe(1);
  expect([...after.keys()].some((k) => k.startsWith('process_cpu_user_seconds_total'))).toBe(true);
  expect([...after.keys()].some((k) => k.startsWith('http_request_duration_seconds_bucket'))).toBe(true);
  await stop();
  await stack.queues.render.drain(true);
});

it('retention deletes expired results and code rows in batches; an expired result is re-rendered with identical bytes', async () => {
  const submit = async (data: string) =>
    ((await (await stack.request('POST', '/v1/codes', { data, format: 'png' })).json()) as any).id as string;
  const worker = new Worker('render', (job) => renderCodes(job, { db: stack.db }), {
    connection: createRedis(stack.config.redisUrl, 'worker'),
    prefix: stack.config.queuePrefix,
  });
  const kept = await submit('retention kept');
  const expired = await submit('retention expired');
  const gone = await submit('retention gone');
  for (const id of [kept, expired, gone]) expect((await stack.waitForCode(id)).status).toBe('succeeded');
  await worker.close();
  const original = await stack.request('GET', `/v1/codes/${expired}/content`);
  const originalBytes = Buffer.from(await original.arrayBuffer());

  // 40 days old: past the 30-day default. `gone` is older still, past the code retention too.
  await sql`update results set created_at = now() - interval '40 days'`.execute(stack.db);
  await sql`update codes set created_at = now() - interval '40 days' where id in (${expired}, ${kept})`.execute(
    stack.db,
  );
  await sql`update codes set created_at = now() - interval '400 days' where id = ${gone}`.execute(stack.db);
  await sql`update codes set created_at = now() where id = ${kept}`.execute(stack.db);
  const deps = {
    db: stack.db,
    clock: () => new Date(),
    retention: { defaultDays: 30, planDays: {}, codeDays: 365, batchSize: 1 },
  } as unknown as MaintenanceDeps;
  expect(await applyRetention(deps)).toEqual({ task: 'retention', results: 2, codes: 1 });
  expect(await count(`select count(*) as n from codes where id = '${gone}'`)).toBe(0);
  expect(await count('select count(*) as n from results')).toBe(1);

  const again = await stack.request('GET', `/v1/codes/${expired}/content`);
  expect(again.status).toBe(200);
  expect(again.headers.get('etag')).toBe(original.headers.get('etag'));
  expect(Buffer.from(await again.arrayBuffer()).equals(originalBytes)).toBe(true);

  // A plan may keep results longer than the default.
  await sql`update results set created_at = now() - interval '40 days'`.execute(stack.db);
  await sql`update codes set created_at = now() - interval '40 days'`.execute(stack.db);
  const longer = {
    ...deps,
    retention: { ...deps.retention, planDays: { [stack.config.defaultPlan]: 60 } },
  } as MaintenanceDeps;
  expect(await applyRetention(longer)).toEqual({ task: 'retention', results: 0, codes: 0 });
});

it('FLUSHALL in the middle of 2,000 queued codes: after the reconciler all succeed, none twice', async () => {
  await sql`truncate codes, results`.execute(stack.db);
  const TOTAL = 2000;
  const ids: string[] = [];
  for (let i = 0; i < TOTAL; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        stack.request('POST', '/v1/codes', { data: `flush ${i + j}`, format: 'svg' }),
      ),
    );
    for (const res of batch) ids.push(((await res.json()) as any).id);
  }
  const renders = new Map<string, number>();
  const worker = new Worker(
    'render',
    async (job) => {
      const outcomes = await renderCodes(job, { db: stack.db });
      for (const outcome of outcomes)
        if (outcome.outcome === 'succeeded' && !outcome.cached)
          renders.set(outcome.codeId, (renders.get(outcome.codeId) ?? 0) + 1);
      return outcomes;
    },
    { connection: createRedis(stack.config.redisUrl, 'worker'), prefix: stack.config.queuePrefix, concurrency: 4 },
  );
  // Jobs active during the flush lose their keys: BullMQ reports it, the reconciler repairs it.
  worker.on('error', () => {});
  await eventually(
    async () => {
      expect(await count(`select count(*) as n from codes where status = 'succeeded'`)).toBeGreaterThanOrEqual(100);
      return true;
    },
    20_000,
    20,
  );
  await stack.redis.flushall();
  const afterFlush = await count(`select count(*) as n from codes where status = 'succeeded'`);
  expect(afterFlush).toBeLessThan(TOTAL);
  expect(await stack.queues.render.count()).toBe(0);

  // The real maintenance process: it re-registers its lost schedulers and reconciles every 500 ms.
  const maintenance = startProcess('workers/maintenance.ts', {
    ...stack.env,
    RECONCILE_EVERY_MS: '500',
    RECONCILE_AFTER_MS: '0',
  });
  try {
    await eventually(
      async () => {
        expect(await count(`select count(*) as n from codes where status = 'succeeded'`)).toBe(TOTAL);
        return true;
      },
      // A bound for a failure, not a speed check: a busy shared machine renders 2,000 codes slowly.
      150_000,
      200,
    );
  } finally {
    maintenance.kill('SIGTERM');
    expect(await exited(maintenance)).toBe(0);
    await worker.close();
  }
  expect(maintenance.output()).toContain('reconciler re-enqueued codes');
  expect(await count(`select count(*) as n from results`)).toBe(TOTAL);
  expect(await count(`select count(distinct result_key) as n from codes`)).toBe(TOTAL);
  expect([...renders.values()].filter((n) => n > 1)).toEqual([]);
}, 200_000);

it('Redis restarted (AOF): no accepted code is lost', async () => {
  await sql`truncate codes, results`.execute(stack.db);
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const res = await stack.request('POST', '/v1/codes', { data: `restart ${i}` });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as any).id);
  }
  redisServer.kill('SIGTERM');
  await exited(redisServer);
  redisServer = await startRedisServer({ port: redisPort, dir: redisDir });
  await eventually(async () => stack.redis.status === 'ready', 10_000, 50);
  const states = await Promise.all(ids.map((id) => stack.queues.render.getJobState(id)));
  expect(states.filter((state) => state !== 'waiting')).toEqual([]);
  const worker = new Worker('render', (job) => renderCodes(job, { db: stack.db }), {
    connection: createRedis(stack.config.redisUrl, 'worker'),
    prefix: stack.config.queuePrefix,
    concurrency: 4,
  });
  try {
    await eventually(
      async () => {
        expect(await count(`select count(*) as n from codes where status = 'succeeded'`)).toBe(ids.length);
        return true;
      },
      30_000,
      100,
    );
  } finally {
    await worker.close();
  }
});

/** Prometheus text → "name{labels}" → value; throws on a line that is not a sample, comment or blank. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return samples;
}
