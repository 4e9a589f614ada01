// Batch benchmark: a 100,000-row QR CSV through real processes (API, 2 render workers, batch worker):
// upload → 202, upload → completed, ZIP download, API RSS growth; then interactive submit → succeeded
// latency with and without a 50,000-row batch draining. Targets: 100k in < 3 min, RSS growth < 100 MB,
// interactive p99 < 250 ms while the batch drains.
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { heapFlags } from '../../src/supervisor.ts';
import { createDb } from '../../src/store/db.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { deleteRedisPrefix, eventually, exited, freePort, jsonBody, startProcess } from '../support/harness.ts';
import { benchAccount } from './account.ts';
import type { Row } from './render.ts';

const ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 100_000);
const DRAIN_ROWS = Number(process.env.BENCH_DRAIN_ROWS ?? 50_000);
const INTERACTIVE = 100;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Peak RSS of a process while `work` runs, sampled every 20 ms. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

function csv(rows: number, tag: string): string {
  const lines = ['data,custom_id'];
  for (let i = 0; i < rows; i++) lines.push(`https://example.com/${tag}/${i},${tag}-${i}`);
  return lines.join('\n') + '\n';
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;

/** Runs the batch benchmark against real processes and returns rows for the bench table. */
export async function benchBatches(): Promise<Row[]> {
  const { env, config, key } = await benchAccount({ LOG_LEVEL: 'error', WORKERS: '2' });
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 1 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${key}` };
  const children: ChildProcess[] = [];
  const api = startProcess(
    'src/main.ts',
    { ...env, PORT: String(port), NODE_OPTIONS: heapFlags(config, 'api').join(' ') },
    ['api'],
  );
  const workerEnv = { ...env, NODE_OPTIONS: heapFlags(config, 'worker').join(' ') };
  children.push(
    api,
    startProcess('workers/render.ts', workerEnv),
    startProcess('workers/render.ts', workerEnv),
    startProcess('workers/batches.ts', workerEnv),
  );
  try {
    await eventually(async () => (await fetch(`${base}/healthz`)).ok, 20_000, 100);
    const idleRss = rssMb(api.pid!);

    const body = csv(ROWS, 'bulk');
    const started = performance.now();
    const upload = await peakRss(api.pid!, async () => {
      const res = await fetch(`${base}/v1/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/csv' },
        body,
      });
      if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    });
    const accepted = performance.now();
    await eventually(
      async () =>
        ((await (await fetch(`${base}/v1/batches/${upload.result}`, { headers })).json()) as { status: string })
          .status === 'completed',
      600_000,
      500,
    );
    const completed = performance.now();
    const download = await peakRss(api.pid!, async () => {
      const res = await fetch(`${base}/v1/batches/${upload.result}/results.zip`, { headers });
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
      return bytes;
    });
    const downloaded = performance.now();

    async function interactiveLatencies(tag: string): Promise<number[]> {
      const latencies: number[] = [];
      for (let i = 0; i < INTERACTIVE; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/codes`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: jsonBody('POST', '/v1/codes', { data: `interactive ${tag} ${i}` }),
        });
        const location = res.headers.get('location')!;
        await res.arrayBuffer();
        for (;;) {
          const code = (await (await fetch(`${base}${location}`, { headers })).json()) as { status: string };
          if (code.status === 'succeeded') break;
          await new Promise((r) => setTimeout(r, 2));
        }
        latencies.push(performance.now() - t0);
      }
      return latencies;
    }
    const quiet = await interactiveLatencies('quiet');
    const drainRes = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: csv(DRAIN_ROWS, 'drain'),
    });
    const drainId = ((await drainRes.json()) as { id: string }).id;
    await eventually(
      async () =>
        (
          (await (await fetch(`${base}/v1/batches/${drainId}`, { headers })).json()) as {
            counts: { succeeded: number };
          }
        ).counts.succeeded > 1000,
      120_000,
      100,
    );
    const busy = await interactiveLatencies('busy');
    const drainState = (await (await fetch(`${base}/v1/batches/${drainId}`, { headers })).json()) as { status: string };

    const s = (ms: number) => ms / 1000;
    return [
      {
        name: `upload ${ROWS} rows → 202`,
        perSecond: Math.round(ROWS / s(accepted - started)),
        msPerOp: Math.round(accepted - started),
        note: 'rows/s; ms/op = total ms',
      },
      {
        name: `upload → completed (${ROWS} rendered)`,
        perSecond: Math.round(ROWS / s(completed - started)),
        msPerOp: Math.round(completed - started),
        note: 'target < 180000 ms',
      },
      {
        name: `results.zip download (${(download.result / 1e6).toFixed(1)} MB)`,
        perSecond: Math.round(ROWS / s(downloaded - completed)),
        msPerOp: Math.round(downloaded - completed),
        note: '',
      },
      {
        name: 'API RSS growth during upload / download (MB)',
        perSecond: Math.round(upload.peak - idleRss),
        msPerOp: Math.round(download.peak - idleRss),
        note: `idle ${Math.round(idleRss)} MB; target < 100`,
      },
      {
        name: 'interactive submit → succeeded p99, idle (ms)',
        perSecond: Math.round(percentile(quiet, 50)),
        msPerOp: Math.round(percentile(quiet, 99)),
        note: 'ops/s column = p50 ms',
      },
      {
        name: `interactive p99 while a ${DRAIN_ROWS}-row batch drains (ms)`,
        perSecond: Math.round(percentile(busy, 50)),
        msPerOp: Math.round(percentile(busy, 99)),
        note: `ops/s column = p50 ms; target < 250; batch ${drainState.status} at the end`,
      },
    ];
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    await db.destroy();
    await dropDatabase(config.databaseUrl);
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
  }
}
