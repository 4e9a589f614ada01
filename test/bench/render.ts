// Render micro-benchmark: renders/s of render(spec) per symbology x format, next to the raw library calls.
// Run: npx node test/bench/render.ts. The QR PNG path must reach >= 0.7x the rate of QRCode.create alone.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import bwipjs from 'bwip-js';
import QRCode from 'qrcode';
import { FORMATS } from '../../src/domain/formats.ts';
import { normalizeRenderSpec } from '../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, describeSymbologies } from '../../src/domain/symbologies.ts';
import { preflight, render } from '../../src/render/index.ts';
import { fastMaskFunctions, originalMaskFunctions } from '../../src/render/qr-mask.ts';
import { loadVerifier } from '../../src/jobs/decoder.ts';

export type Row = { name: string; perSecond: number; msPerOp: number; ratio?: number; note?: string };

const BUDGET_MS = 300;
const URL_45 = 'https://example.com/products/widgets?id=123456'; // 45 characters

async function measure(name: string, fn: () => unknown, budgetMs = BUDGET_MS): Promise<Row> {
  for (let i = 0; i < 5; i++) await fn(); // warm up
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    await fn();
    n++;
    now = performance.now();
  }
  const ms = (now - start) / n;
  return { name, perSecond: Math.round(1000 / ms), msPerOp: Number(ms.toFixed(3)) };
}

// Interleaves the measured functions in short rounds so machine noise (2 shared cores) hits them alike.
async function interleaved(entries: [string, () => unknown][], rounds = 6): Promise<Row[]> {
  const totals = entries.map(() => ({ n: 0, ms: 0 }));
  for (const [, fn] of entries) for (let i = 0; i < 20; i++) await fn();
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, fn]] of entries.entries()) {
      const start = performance.now();
      let now = start;
      let n = 0;
      while (now - start < BUDGET_MS / rounds) {
        await fn();
        n++;
        now = performance.now();
      }
      totals[i]!.n += n;
      totals[i]!.ms += now - start;
    }
  }
  return entries.map(([name], i) => {
    const ms = totals[i]!.ms / totals[i]!.n;
    return { name, perSecond: Math.round(1000 / ms), msPerOp: Number(ms.toFixed(3)) };
  });
}

// src/render/qr-mask.ts swaps in faster mask scoring for every QRCode.create in the process; the
// baselines run with qrcode's own functions so that they measure the library as it ships.
const maskPattern = createRequire(import.meta.url)('qrcode/lib/core/mask-pattern.js') as Record<string, unknown>;
function asShipped<T>(fn: () => T): T {
  Object.assign(maskPattern, originalMaskFunctions);
  try {
    return fn();
  } finally {
    Object.assign(maskPattern, fastMaskFunctions);
  }
}

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

/** Runs every measurement and returns one row each; the QR rows carry ratios against the raw library calls. */
export async function benchRender(): Promise<Row[]> {
  const rows: Row[] = [];
  const qrSpec = spec({ data: URL_45, ecc: 'M', size: 300 });
  const [create, qrPng, qrSvg] = (await interleaved([
    [
      'qrcode: QRCode.create (45-char URL, ECC M), library as shipped',
      () => asShipped(() => QRCode.create(URL_45, { errorCorrectionLevel: 'M' })),
    ],
    ['render qrcode png size 300', () => render(qrSpec)],
    ['render qrcode svg size 300', () => render({ ...qrSpec, format: 'svg' })],
  ])) as [Row, Row, Row];
  const toBuffer = await measure('qrcode: QRCode.toBuffer (same, width 300), as shipped', () =>
    asShipped(() => QRCode.toBuffer(URL_45, { errorCorrectionLevel: 'M', width: 300 })),
  );
  const pre = await measure('preflight qrcode (API path)', () => preflight(qrSpec));
  rows.push(
    create,
    toBuffer,
    {
      ...qrPng,
      ratio: qrPng.perSecond / create.perSecond,
      note: `vs QRCode.create (target >= 0.7); ${(qrPng.perSecond / toBuffer.perSecond).toFixed(1)}x QRCode.toBuffer`,
    },
    { ...qrSvg, ratio: qrSvg.perSecond / create.perSecond, note: 'vs QRCode.create' },
    pre,
  );
  const bwipRaw = await measure('bwip-js: toBuffer code128 scale 2', () =>
    bwipjs.toBuffer({ bcid: 'code128', text: 'ABC-12345', scale: 2, includetext: true }),
  );
  rows.push(bwipRaw);
  const examples = new Map(describeSymbologies().map((d) => [d.id, d.data.example]));
  for (const id of SYMBOLOGY_IDS) {
    if (id === 'qrcode') continue;
    for (const format of FORMATS) {
      const s = spec({ symbology: id, data: examples.get(id), format });
      const row = await measure(`render ${id} ${format}`, () => render(s), BUDGET_MS / 2);
      rows.push(
        id === 'code128' && format === 'png'
          ? { ...row, ratio: row.perSecond / bwipRaw.perSecond, note: 'vs bwip-js toBuffer' }
          : row,
      );
    }
  }
  rows.push(...(await benchVerification(examples)));
  return rows;
}

// Verified vs unverified per symbology (PNG, default size): the ratio column is the decoder's cost as a
// multiple of the render's own (target for QR: at most 2x), the note the verified share of unverified throughput.
async function benchVerification(examples: Map<string, string>): Promise<Row[]> {
  const verify = await loadVerifier();
  const rows: Row[] = [];
  for (const id of SYMBOLOGY_IDS) {
    const s = spec({ symbology: id, data: examples.get(id), verify: false });
    const rendered = await render(s);
    const [plain, verified] = (await interleaved(
      [
        [`render ${id} png (unverified)`, () => render(s)],
        [`render + verify ${id} png`, async () => verify(s, await render(s))],
      ],
      4,
    )) as [Row, Row];
    if (!(await verify(s, rendered)).verified) throw new Error(`${id} does not verify`);
    const cost = (verified.msPerOp - plain.msPerOp) / plain.msPerOp;
    rows.push({
      ...verified,
      ratio: cost,
      note: `verification cost / render cost${id === 'qrcode' ? ' (target <= 2)' : ''}; ${plain.perSecond}/s unverified, verified ${(verified.perSecond / plain.perSecond).toFixed(2)}x of that`,
    });
  }
  return rows;
}

function printRows(rows: Row[]): void {
  console.log(`${'benchmark'.padEnd(48)} ${'ops/s'.padStart(8)} ${'ms/op'.padStart(8)}  ratio`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} ${r.note ?? ''}`;
    console.log(
      `${r.name.padEnd(48)} ${String(r.perSecond).padStart(8)} ${r.msPerOp.toFixed(3).padStart(8)}  ${ratio}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRows(await benchRender());
}
