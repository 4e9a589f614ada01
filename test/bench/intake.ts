// Intake benchmark: authenticated, rate-limited, validated POST /v1/codes (a real API process) against
// the bare Hono + queue.add baseline (bare-intake.ts), both under autocannon with 50 connections,
// in the same run. Target: ratio >= 0.5, p99 < 50 ms.
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { heapFlags } from '../../src/supervisor.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { deleteRedisPrefix, eventually, exited, freePort, jsonBody, startProcess } from '../support/harness.ts';
import { cpuPer, machineBusy } from './cpu.ts';
import { benchAccount } from './account.ts';
import type { Row } from './render.ts';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_INTAKE_SECONDS ?? 3);
// Alternating rounds, median of each: this 2-core machine is noisy and a single pair can mislead. The
// counting comparison is paired: its ratio is the median of each round's adjacent pair.
const ROUNDS = Number(process.env.BENCH_INTAKE_ROUNDS ?? 8);
const BODY = jsonBody('POST', '/v1/codes', {
  data: 'https://example.com/p/[<id>]',
  size: 300,
  metadata: { sku: 'bench' },
});

type Load = {
  requestsPerSecond: number;
  p99: number;
  non2xx: number;
  errors: number;
  busy: number;
  cpu: string;
  serverUs: number;
};

async function load(
  server: { url: string; child: ChildProcess },
  headers: Record<string, string>,
  seconds: number,
): Promise<Load> {
  // Where each request's CPU goes (server, PostgreSQL, Redis, autocannon): what separates the two routes.
  const {
    result: { result, cpu },
    busy,
  } = await machineBusy(async () => {
    const { result, text, us } = await cpuPer(
      { server: () => [server.child.pid!] },
      (r: autocannon.Result) => r.requests.total,
      () =>
        autocannon({
          url: server.url,
          method: 'POST',
          connections: CONNECTIONS,
          duration: seconds,
          headers: { 'content-type': 'application/json', ...headers },
          body: BODY,
          idReplacement: true,
        }),
      'request',
    );
    return { result, cpu: { text, us } };
  });
  return {
    requestsPerSecond: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    busy,
    cpu: cpu.text,
    serverUs: cpu.us.server!,
  };
}

function median(loads: Load[]): Load {
  return [...loads].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(loads.length / 2)]!;
}

const middle = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function startServer(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = startProcess(script, { ...env, PORT: String(port) }, args);
  const base = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      const res = await fetch(`${base}/v1/codes`, { method: 'OPTIONS' }).catch(() => undefined);
      return res !== undefined;
    },
    20_000,
    100,
  );
  return { child, url: `${base}/v1/codes` };
}

/** Runs the intake comparison and returns rows for the bench table. */
export async function benchIntake(): Promise<Row[]> {
  const { env, config, key } = await benchAccount({ WORKERS: '0', LOG_LEVEL: 'error' });
  // Both run with the heap bounds `npm start` gives its API processes (src/supervisor.ts heapFlags):
  // the young generation's size alone moves the API's CPU per request by a fifth.
  const heap = { NODE_OPTIONS: heapFlags(config, 'api').join(' ') };
  const bare = await startServer('test/bench/bare-intake.ts', { ...env, ...heap });
  const ours = await startServer(
    'src/main.ts',
    { ...env, ...heap, API_PROCESSES: process.env.BENCH_API_PROCESSES ?? '1' },
    process.env.BENCH_API_PROCESSES ? [] : ['api'],
  );
  // The same API with quotas and usage counting off: what counting costs intake, same run.
  const uncounted = await startServer('src/main.ts', { ...env, ...heap, API_PROCESSES: '1', QUOTAS: 'false' }, ['api']);
  try {
    const auth = { authorization: `Bearer ${key}` };
    await load(bare, {}, 2); // warm up all three
    await load(ours, auth, 2);
    await load(uncounted, auth, 2);
    const bases: Load[] = [];
    const apis: Load[] = [];
    const withoutCounting: Load[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bases.push(await load(bare, {}, DURATION_S));
      // Counting and not counting swap places every round, so neither always runs on a warmer machine.
      if (round % 2 === 0) {
        apis.push(await load(ours, auth, DURATION_S));
        withoutCounting.push(await load(uncounted, auth, DURATION_S));
      } else {
        withoutCounting.push(await load(uncounted, auth, DURATION_S));
        apis.push(await load(ours, auth, DURATION_S));
      }
    }
    const base = median(bases);
    const api = median(apis);
    const plain = median(withoutCounting);
    if (api.non2xx > 0 || api.errors > 0) console.warn(`intake: ${api.non2xx} non-2xx, ${api.errors} errors`);
    const ratio = api.requestsPerSecond / base.requestsPerSecond;
    // Per round: requests/s with counting over without, and the API process's CPU per request the other way
    // round (so that both read "≥ 0.95: counting costs ≤ 5%").
    const paired = apis.map((a, i) => a.requestsPerSecond / withoutCounting[i]!.requestsPerSecond);
    const cpuPaired = apis.map((a, i) => withoutCounting[i]!.serverUs / a.serverUs);
    const spread = `${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}`;
    return [
      {
        name: `bare Hono + queue.add, ${CONNECTIONS} connections`,
        perSecond: Math.round(base.requestsPerSecond),
        msPerOp: base.p99,
        note: `p99 ms in ms/op column; machine ${Math.round(base.busy * 100)}% busy; ${base.cpu}`,
      },
      {
        name: `POST /v1/codes (auth, limit, validate, store, enqueue)`,
        perSecond: Math.round(api.requestsPerSecond),
        msPerOp: api.p99,
        ratio,
        // Below 100% busy the limit is the one API process's event loop, not the machine's cores.
        note: `vs bare (target >= 0.5); p99 ${api.p99} ms (target < 50); machine ${Math.round(api.busy * 100)}% busy; ${api.cpu}`,
      },
      {
        name: `POST /v1/codes with QUOTAS=false (no quota, no usage counting)`,
        perSecond: Math.round(plain.requestsPerSecond),
        msPerOp: plain.p99,
        ratio: middle(paired),
        note: `ratio = requests/s with counting / without, median of ${ROUNDS} adjacent pairs (${spread}; target >= 0.95: counting costs <= 5% of intake); API CPU per request without / with: ${middle(cpuPaired).toFixed(2)}; ${plain.cpu}`,
      },
    ];
  } finally {
    for (const server of [bare, ours, uncounted]) server.child.kill('SIGTERM');
    await Promise.all([exited(bare.child), exited(ours.child), exited(uncounted.child)]);
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
    await dropDatabase(config.databaseUrl);
  }
}
