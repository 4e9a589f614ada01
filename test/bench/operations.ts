// Operations bench: what the access log costs the intake (POST /v1/codes on one API process, the access log
// on against off in alternating rounds of the same run), and the footprint of `node src/main.ts` with
// WORKERS=1: resident memory of the whole process tree and of the supervisor alone.
// Run alone: `node test/bench/operations.ts`.
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { heapFlags } from '../../src/supervisor.ts';
import { deleteRedisPrefix, eventually, exited, freePort, jsonBody, ROOT, startProcess } from '../support/harness.ts';
import { processTree } from '../support/process-tree.ts';
import { benchAccount } from './account.ts';
import type { Row } from './render.ts';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_INTAKE_SECONDS ?? 5);
const ROUNDS = 3;
const BODY = jsonBody('POST', '/v1/codes', { data: 'https://example.com/p/[<id>]', size: 300 });
const MB = 1024 * 1024;

async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']);
  // The API logs every line to a pipe the bench drains, as a container runtime does.
  child.stdout!.removeAllListeners('data').on('data', () => {});
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/healthz`)).ok, 30_000, 100);
  return { child, url: `${url}/v1/codes` };
}

async function requestsPerSecond(url: string, key: string, seconds: number): Promise<number> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: BODY,
    idReplacement: true,
  });
  if (result.non2xx || result.errors) console.warn(`operations: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function benchAccessLog(env: Record<string, string>, key: string): Promise<Row[]> {
  const heap = { NODE_OPTIONS: heapFlags(loadConfig(env, ROOT), 'api').join(' '), LOG_LEVEL: 'info' };
  const off = await startApi({ ...env, ...heap, ACCESS_LOG_SAMPLE: '0' });
  const on = await startApi({ ...env, ...heap, ACCESS_LOG_SAMPLE: '1' });
  try {
    await requestsPerSecond(off.url, key, 2); // warm up both
    await requestsPerSecond(on.url, key, 2);
    const offs: number[] = [];
    const ons: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      offs.push(await requestsPerSecond(off.url, key, SECONDS));
      ons.push(await requestsPerSecond(on.url, key, SECONDS));
    }
    const [base, logged] = [median(offs), median(ons)];
    return [
      {
        name: 'POST /v1/codes, access log off (ACCESS_LOG_SAMPLE=0)',
        perSecond: Math.round(base),
        msPerOp: 1000 / base,
      },
      {
        name: 'POST /v1/codes, access log on (one line per request)',
        perSecond: Math.round(logged),
        msPerOp: 1000 / logged,
        ratio: logged / base,
        note: 'vs off (target >= 0.95)',
      },
    ];
  } finally {
    for (const server of [off, on]) server.child.kill('SIGTERM');
    await Promise.all([exited(off.child), exited(on.child)]);
  }
}

async function benchFootprint(env: Record<string, string>): Promise<Row[]> {
  const port = await freePort();
  const main = startProcess('src/main.ts', { ...env, PORT: String(port), WORKERS: '1', LOG_LEVEL: 'warn' });
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 60_000, 200);
    // Every child up and idle: the API, one render worker and the three background roles.
    await eventually(async () => processTree(main.pid!).length === 6, 30_000, 200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const tree = processTree(main.pid!);
    const total = tree.reduce((sum, p) => sum + p.rssBytes, 0);
    const supervisor = tree.find((p) => p.pid === main.pid)!.rssBytes;
    return [
      {
        name: `node src/main.ts, WORKERS=1: whole tree RSS, MB (${tree.length} processes)`,
        perSecond: Math.round(total / MB),
        msPerOp: 0,
        note: 'ops/s column = MB',
      },
      {
        name: 'the supervisor alone: RSS, MB',
        perSecond: Math.round(supervisor / MB),
        msPerOp: 0,
        ratio: supervisor / total,
        note: 'share of the tree; ops/s column = MB',
      },
    ];
  } finally {
    main.kill('SIGTERM');
    await exited(main);
  }
}

/** Runs the operations bench and returns rows for the bench table. */
export async function benchOperations(): Promise<Row[]> {
  const { env, config, key } = await benchAccount({ WORKERS: '0', LOG_LEVEL: 'error' });
  try {
    return [...(await benchAccessLog(env, key)), ...(await benchFootprint(env))];
  } finally {
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
    await dropDatabase(config.databaseUrl);
  }
}

if (import.meta.main) console.table(await benchOperations());
