// EAN-13 batch benchmark (issue 17): a CSV of EAN-13 rows (PNG, with text) uploaded to `npm start` with 2
// render workers, upload → batch completed with every row succeeded, against bwip-js drawing the same rows
// serially in one process (bwipjs.toBuffer with the options bwip-js would get for each row's spec), in the
// same run. Target: >= 8x at 100,000 rows (BENCH_EAN_ROWS=100000).
//
// bwip-js needs 20–50 ms a row here, so at 100,000 rows its loop alone would take about an hour: it draws
// BENCH_EAN_BASELINE_ROWS of the rows (every k-th, half before and half after the service's run, so both
// share the machine's load), and its time for all the rows is its measured rate over the row count.
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import bwipjs from 'bwip-js';
import { normalizeRenderSpec, type RenderSpec } from '../../src/domain/render-spec.ts';
import { loadVerifier } from '../../src/render/decoder.ts';
import { render } from '../../src/render/index.ts';
import { getSymbology } from '../../src/domain/symbologies.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { planBwip } from '../support/bwip-reference.ts';
import { deleteRedisPrefix, eventually, exited, freePort, startProcess } from '../support/harness.ts';
import { cpuPer, serviceParts } from './cpu.ts';
import { benchAccount } from './account.ts';
import type { Row } from './render.ts';

const ROWS = Number(process.env.BENCH_EAN_ROWS ?? 5000);
const BASELINE_ROWS = Math.min(ROWS, Number(process.env.BENCH_EAN_BASELINE_ROWS ?? 2000));

/** Twelve digits from the row number (spread over the code space) and the EAN-13 check digit. */
export function ean13(row: number): string {
  const body = String((row * 7_919_993 + 400_638_133_393) % 1e12).padStart(12, '0');
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body + String((10 - (sum % 10)) % 10);
}

/** The service's spec of rows `from`, `from + step`, … (`count` of them), as a batch row gets it. */
function specs(from: number, step: number, count: number): RenderSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const spec = normalizeRenderSpec({ symbology: 'ean13', data: ean13(from + i * step), format: 'png' });
    if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
    if (spec.spec.options.include_text !== true) throw new Error('ean13 rows are meant to carry their text');
    return spec.spec;
  });
}

/** bwip-js drawing the rows as the service's spec asks, one after another; ms taken. */
function bwipLoop(from: number, step: number, count: number): number {
  const sym = getSymbology('ean13');
  const plans = specs(from, step, count).map((spec) => {
    const plan = planBwip(sym, spec);
    if (!plan.ok) throw new Error(plan.issue.message);
    return plan.opts;
  });
  const started = performance.now();
  for (const opts of plans) bwipjs.toBuffer({ ...opts });
  return performance.now() - started;
}

/** Our render + verification of the same rows in this process (what a render worker does per row); ms taken. */
async function renderLoop(from: number, step: number, count: number): Promise<number> {
  const verify = await loadVerifier();
  const rows = specs(from, step, count);
  const started = performance.now();
  for (const spec of rows) {
    const verification = await verify(spec, await render(spec));
    if (!verification.verified) throw new Error(`ean13 ${spec.data} does not verify`);
  }
  return performance.now() - started;
}

/** Runs the EAN-13 batch against `npm start` and bwip-js, and returns rows for the bench table. */
export async function benchEanBatch(): Promise<Row[]> {
  const { env, config, key } = await benchAccount({ LOG_LEVEL: 'error', WORKERS: '2' });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${key}` };
  // npm start itself: the supervisor, its API process, 2 render workers and the background workers.
  const service: ChildProcess = startProcess('src/main.ts', { ...env, PORT: String(port) });
  try {
    await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, 60_000, 200);
    const lines = ['data'];
    for (let i = 0; i < ROWS; i++) lines.push(ean13(i));
    const csv = lines.join('\n') + '\n';
    const step = Math.max(1, Math.floor(ROWS / BASELINE_ROWS));
    const half = Math.floor(BASELINE_ROWS / 2);
    bwipLoop(0, step, Math.min(50, BASELINE_ROWS)); // warm bwip-js up
    const bwipBefore = bwipLoop(0, step, half);
    await renderLoop(0, step, Math.min(50, BASELINE_ROWS));
    const oursBefore = await renderLoop(0, step, half);

    const started = performance.now();
    const { result: batch, text: cpu } = await cpuPer(serviceParts(service.pid!), ROWS, () => runBatch(csv), 'row');
    const serviceMs = performance.now() - started;
    if (batch.counts.succeeded !== ROWS) throw new Error(`ean13 batch: ${JSON.stringify(batch.counts)}`);
    const bwipAfter = bwipLoop(half * step + 1, step, BASELINE_ROWS - half);
    const oursAfter = await renderLoop(half * step + 1, step, BASELINE_ROWS - half);
    const oursMsPerRow = (oursBefore + oursAfter) / BASELINE_ROWS;
    const load = loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');

    const bwipMsPerRow = (bwipBefore + bwipAfter) / BASELINE_ROWS;
    const bwipMs = bwipMsPerRow * ROWS;
    return [
      {
        name: `bwip-js drawing ${ROWS} EAN-13 rows serially in one process (PNG, with text)`,
        perSecond: Math.round(1000 / bwipMsPerRow),
        msPerOp: Math.round(bwipMs),
        note: `rows/s; ms/op = total ms${BASELINE_ROWS < ROWS ? ` (${BASELINE_ROWS} of the rows drawn, every ${step}th, the total at that rate)` : ''}`,
      },
      {
        name: 'render + verify of the same rows in one process (what a render worker does per row)',
        perSecond: Math.round(1000 / oursMsPerRow),
        msPerOp: oursMsPerRow,
        ratio: bwipMsPerRow / oursMsPerRow,
        note: 'vs bwip-js per row: the most 1 core of render workers can add, before PostgreSQL, Redis and the queue',
      },
      {
        name: `EAN-13 batch of ${ROWS} rows through npm start (2 render workers), upload → completed`,
        perSecond: Math.round(ROWS / (serviceMs / 1000)),
        msPerOp: Math.round(serviceMs),
        ratio: bwipMs / serviceMs,
        note: `vs bwip-js serially, same run (target >= 8 at 100000 rows); ${batch.counts.succeeded} succeeded; load average ${load}; ${cpu}`,
      },
    ];
  } finally {
    service.kill('SIGTERM');
    await exited(service);
    await dropDatabase(config.databaseUrl);
    await deleteRedisPrefix(config.redisUrl, config.queuePrefix);
  }

  /** Uploads the CSV and waits until the batch completed. */
  async function runBatch(csv: string) {
    const res = await fetch(`${base}/v1/batches?symbology=ean13&format=png`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: csv,
    });
    if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    type Batch = { status: string; counts: { total: number; succeeded: number; failed: number } };
    return eventually(
      async () => {
        const b = (await (await fetch(`${base}/v1/batches/${id}`, { headers })).json()) as Batch;
        return b.status === 'completed' && b;
      },
      3_600_000,
      500,
    );
  }
}
