// End-to-end benchmark on real processes: QR PNG codes/s from submit to stored with 1 and then 2
// render worker processes (the scaling factor), content-cache hits, and peak RSS per process.
// Targets (issue 9): >= 1,000 codes/s with 2 workers, scaling 1 -> 2 >= 1.6x, RSS <= 200 MB.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { heapFlags } from '../../src/supervisor.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { deleteRedisPrefix, eventually, exited, freePort, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';
import { cpuPer } from './cpu.ts';
import type { Row } from './render.ts';

const CODES = Number(process.env.BENCH_E2E_CODES ?? 6000);
const CONCURRENCY = 50;

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

// The load generator shares the two cores with the service: node:http on a keep-alive agent costs it
// about a third of what fetch does per request, leaving that CPU to the API and the workers.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(base: string, key: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/v1/codes`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          res.statusCode === 202
            ? resolve()
            : reject(new Error(`submit: ${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function submitAll(base: string, key: string, tag: string, count: number): Promise<void> {
  let next = 0;
  const body = (i: number) => JSON.stringify({ data: `https://example.com/${tag}/${i}`, size: 300 });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await post(base, key, body(next++));
    }),
  );
}

/** Runs the end-to-end comparison and returns rows for the bench table. */
export async function benchEndToEnd(): Promise<Row[]> {
  const baseEnv = uniqueEnv({ LOG_LEVEL: 'error', WORKERS: '0' });
  const config = loadConfig(baseEnv, ROOT);
  // The flags `npm start` gives its children (src/supervisor.ts heapFlags).
  const env = { ...baseEnv, NODE_OPTIONS: heapFlags(config, 'worker').join(' ') };
  const apiEnv = { ...baseEnv, NODE_OPTIONS: heapFlags(config, 'api').join(' ') };
  await prepareDatabase(config.databaseUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 2 });
  const { key } = await createApiKey(db, {
    account: 'bench',
    plan: config.defaultPlan,
    rate: 1e9,
    burst: 1e9,
    secretsKey: config.secretsKey,
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const api = startProcess('src/main.ts', { ...apiEnv, PORT: String(port) }, ['api']);
  const workers: ChildProcess[] = [];
  const peaks = new Map<string, number>();
  const sample = setInterval(() => {
    for (const [name, child] of [['api', api], ...workers.map((w, i) => [`render ${i + 1}`, w] as const)] as const) {
      if (child.pid && child.exitCode === null) peaks.set(name, Math.max(peaks.get(name) ?? 0, rssMb(child.pid)));
    }
  }, 100);
  const succeeded = async () =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from codes where status = 'succeeded'`.execute(db)).rows[0]!
        .n,
    );
  // Completion times come from the rows, so the poll that waits for them can be slow and cheap: at
  // 20 polls a second its count took a measurable share of PostgreSQL's CPU per code from the service.
  const lastCompletedAt = async () =>
    (
      await sql<{ t: Date }>`select max(completed_at) as t from codes where status = 'succeeded'`.execute(db)
    ).rows[0]!.t.getTime();
  const POLL_MS = 250;

  async function run(
    workerCount: number,
    tag: string,
  ): Promise<{ perSecond: number; cpu: { text: string; ceiling: number } }> {
    while (workers.length < workerCount) workers.push(startProcess('workers/render.ts', env));
    await new Promise((r) => setTimeout(r, 1500)); // workers connect
    const before = await succeeded();
    const started = Date.now();
    const cpu = await cpuPer({ api: () => [api.pid!], workers: () => workers.map((w) => w.pid!) }, CODES, async () => {
      await submitAll(base, key, tag, CODES);
      await eventually(async () => (await succeeded()) >= before + CODES, 300_000, POLL_MS);
    });
    return { perSecond: CODES / (((await lastCompletedAt()) - started) / 1000), cpu };
  }

  // The worker's own rate: a queue filled while no worker runs, drained by one worker with the API idle.
  async function drainAlone(): Promise<number> {
    await submitAll(base, key, 'drain', CODES);
    workers.push(startProcess('workers/render.ts', env));
    await eventually(async () => (await succeeded()) >= CODES, 300_000, POLL_MS);
    const span = await sql<{
      first: Date;
      last: Date;
    }>`select min(completed_at) as first, max(completed_at) as last from codes where status = 'succeeded'`.execute(db);
    const { first, last } = span.rows[0]!;
    return (CODES - 1) / ((last.getTime() - first.getTime()) / 1000);
  }

  try {
    await eventually(async () => (await fetch(`${base}/healthz`)).ok, 20_000, 100);
    const alone = await drainAlone();
    const one = await run(1, 'one');
    const two = await run(2, 'two');
    // The same parameters again: answered from the content cache at submit, no render.
    const cacheStart = performance.now();
    await submitAll(base, key, 'two', CODES);
    const cached = CODES / ((performance.now() - cacheStart) / 1000);
    return [
      {
        name: `one render worker draining ${CODES} queued QR PNG codes alone (API idle)`,
        perSecond: Math.round(alone),
        msPerOp: 1000 / alone,
      },
      {
        name: `end to end, 1 render worker (${CODES} QR PNG, submit → stored)`,
        perSecond: Math.round(one.perSecond),
        msPerOp: 1000 / one.perSecond,
        note: one.cpu.text,
      },
      {
        name: 'end to end, 2 render workers',
        perSecond: Math.round(two.perSecond),
        msPerOp: 1000 / two.perSecond,
        ratio: two.perSecond / one.perSecond,
        // The scaling a second worker could reach at most: the machine's ceiling over what one worker did.
        note: `scaling 1 → 2 workers (target >= 1.6; at most ${(two.cpu.ceiling / one.perSecond).toFixed(2)} on this machine); target >= 1000 codes/s; ${two.cpu.text}`,
      },
      {
        name: 'content-cache hits (same parameters again, 50 connections)',
        perSecond: Math.round(cached),
        msPerOp: 1000 / cached,
        ratio: cached / two.perSecond,
        note: 'vs rendering them',
      },
      ...[...peaks].map(([name, mb]) => ({
        name: `peak RSS ${name} (MB)`,
        perSecond: Math.round(mb),
        msPerOp: 0,
        note: 'target <= 200',
      })),
    ];
  } finally {
    agent.destroy();
    clearInterval(sample);
    for (const child of [api, ...workers]) child.kill('SIGTERM');
    await Promise.all([api, ...workers].map(exited));
    await db.destroy();
    await dropDatabase(config.databaseUrl);
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
  }
}
