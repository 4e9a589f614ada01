// Webhook fan-out on a real webhooks worker process: 5,000 code.succeeded events (codes moved to
// succeeded in one statement, as a burst of finished renders would) delivered to a local receiver.
// Reports deliveries/s and p99 from render finished (codes.completed_at) to received. Target >= 1,000/s.
import { createServer } from 'node:http';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { newWebhookSecret, sealSecret } from '../../src/domain/secrets.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { insertEndpoint } from '../../src/store/webhooks.ts';
import { deleteRedisPrefix, eventually, exited, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';
import type { Row } from './render.ts';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 5000);

export async function benchWebhooks(): Promise<Row[]> {
  const env = uniqueEnv({
    LOG_LEVEL: 'error',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
    WEBHOOK_CONCURRENCY: '200',
    WEBHOOK_SWEEP_MS: '50',
    PG_POOL_SIZE: process.env.BENCH_PG_POOL ?? '30',
  });
  const config = loadConfig(env, ROOT);
  await prepareDatabase(config.databaseUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 2 });
  const { account_id } = await createApiKey(db, {
    account: 'bench',
    plan: config.defaultPlan,
    secretsKey: config.secretsKey,
  });

  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id;
      if (!arrivals.has(id)) arrivals.set(id, Date.now());
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await insertEndpoint(db, {
    id: 'whep_bench00000000000000000000000',
    account_id,
    url: `http://127.0.0.1:${port}/hook`,
    events: ['code.succeeded'],
    secret: sealSecret(newWebhookSecret(), config.secretsKey),
  });
  await sql`
    insert into codes (id, account_id, status, symbology, data, format, options, metadata, result_key)
    select 'code_' || lpad(i::text, 26, '0'), ${account_id}, 'queued', 'qrcode', 'bench ' || i, 'png', '{}'::jsonb, '{}'::jsonb, 'k' || i
    from generate_series(1, ${EVENTS}) i`.execute(db);

  const worker = startProcess('workers/webhooks.ts', env);
  try {
    await new Promise((r) => setTimeout(r, 2000)); // the worker connects
    const started = performance.now();
    await sql`update codes set status = 'succeeded', completed_at = clock_timestamp()`.execute(db);
    await eventually(async () => arrivals.size >= EVENTS, 300_000, 20);
    const seconds = (performance.now() - started) / 1000;
    const finished = await sql<{ id: string; at: Date }>`select id, completed_at as at from codes`.execute(db);
    const latencies = finished.rows.map((r) => arrivals.get(r.id)! - r.at.getTime()).sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
    const perSecond = EVENTS / seconds;
    const attempt = await sql<{ ms: number }>`select avg(duration_ms)::float8 as ms from webhook_attempts`.execute(db);
    const meanAttempt = Math.round(attempt.rows[0]?.ms ?? 0);
    return [
      {
        name: `webhook fan-out, ${EVENTS} code.succeeded events → local receiver (1 webhooks worker)`,
        perSecond: Math.round(perSecond),
        msPerOp: 1000 / perSecond,
        note: 'target >= 1000 deliveries/s',
      },
      { name: 'webhook attempt duration (HTTP only), mean (ms)', perSecond: meanAttempt, msPerOp: meanAttempt },
      { name: 'webhook latency render finished → received, p50 (ms)', perSecond: p50, msPerOp: p50 },
      { name: 'webhook latency render finished → received, p99 (ms)', perSecond: p99, msPerOp: p99 },
    ];
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    server.closeAllConnections();
    server.close();
    await db.destroy();
    await dropDatabase(config.databaseUrl);
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
  }
}

// Run alone: `npx node test/bench/webhooks.ts`.
if (import.meta.filename === process.argv[1]) console.table(await benchWebhooks());
