// Render micro-benchmark (one core, in-process): for every symbology, render(spec) in every format,
// verified and not, against the library call that draws the same input as it ships (bwipjs.toBuffer with
// the options bwip-js would get, or QRCode.toBuffer), all interleaved in short rounds so that the noise of
// this shared machine hits them alike. Run alone: npm run bench -- render
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import bwipjs from 'bwip-js';
import QRCode from 'qrcode';
import { FORMATS } from '../../src/domain/formats.ts';
import { normalizeRenderSpec } from '../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, describeSymbologies, getSymbology } from '../../src/domain/symbologies.ts';
import type { SymbologyId } from '../../src/domain/symbologies.ts';
import { loadVerifier } from '../../src/render/decoder.ts';
import { encodeAztec } from '../../src/render/aztec.ts';
import { RMQR_VERSIONS, matrixOptions } from '../../src/render/bwip.ts';
import { planBwip } from '../support/bwip-reference.ts';
import { preflight, render } from '../../src/render/index.ts';
import { encodeWithBwip } from '../../src/render/linear/encoding.ts';
import { encodeOptions, nativeEncoder } from '../../src/render/linear/plan.ts';
import { fastMaskFunctions, originalMaskFunctions } from '../../src/render/qr-mask.ts';
import { fastEncoder, originalEncoder } from '../../src/render/qr-reed-solomon.ts';
import { fromStringByShape, originalFromString } from '../../src/render/qr-segments.ts';

export type Row = { name: string; perSecond: number; msPerOp: number; ratio?: number; note?: string };

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GROUP_WARM_MS = Number(process.env.BENCH_GROUP_WARM_MS ?? 150);
// The render + verify and render alone pair rounds: a verification cost is the difference of two rows of
// tens of microseconds, and in rounds of ROUND_MS the collections and compilations in V8's background
// threads (whose CPU the clock counts) landed on one row or the other by chance.
const PAIR_ROUND_MS = Number(process.env.BENCH_PAIR_ROUND_MS ?? 200);
const URL_45 = 'https://example.com/products/widgets?id=123456'; // 45 characters

/** The targets of issue 17, by symbology: PNG render + verify against the library drawing the same input. */
const TARGETS: Partial<Record<SymbologyId, number>> = {
  datamatrix: 3,
  pdf417: 3,
  azteccode: 3,
  maxicode: 2,
};
const targetOf = (id: SymbologyId) => TARGETS[id] ?? (getSymbology(id).kind === 'linear' ? 10 : undefined);

/**
 * What a round is timed by: the process's CPU time (user + system, every thread: libvips' included), by
 * default, so that a shared machine's other processes, which take the core away between our calls, do not
 * land in one measurement and not in its neighbour; BENCH_CLOCK=wall times rounds by the wall clock.
 */
export const BENCH_CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const clock = BENCH_CLOCK === 'wall' ? () => performance.now() : cpuMs;

// Interleaves the measured functions in short rounds so machine noise (2 shared cores) hits them alike.
// Each round starts one entry further on, and there are whole turns of them: the garbage a row leaves is
// collected during whichever row runs after it, on that row's clock, so in a fixed order the row after
// the library baseline (bwip-js allocates megabytes a call) always paid for the baseline's garbage, and a
// verification cost, the difference of two rows, moved with their order.
async function interleaved(entries: [string, () => unknown][], rounds = ROUNDS, roundMs = ROUND_MS): Promise<Row[]> {
  const perRound: number[][] = entries.map(() => []);
  // Unmeasured turns first, long enough that what the group before left (a major collection of the heap
  // bwip-js grew, compilation in background threads) is paid before the first round is timed.
  for (const started = performance.now(); performance.now() - started < GROUP_WARM_MS;)
    for (const [, fn] of entries) await fn();
  const turns = Math.ceil(rounds / entries.length) * entries.length;
  for (let r = 0; r < turns; r++) {
    for (let k = 0; k < entries.length; k++) {
      const i = (r + k) % entries.length;
      const fn = entries[i]![1];
      const start = performance.now();
      const spent = clock();
      let now = start;
      let n = 0;
      while (now - start < roundMs || n < 2) {
        await fn();
        n++;
        now = performance.now();
      }
      perRound[i]!.push((clock() - spent) / n);
    }
  }
  // Each row's median round: a round that caught a collection of garbage another row left, or a burst of
  // another process, is one round, not a share of every row's mean.
  return entries.map(([name], i) => {
    const sorted = perRound[i]!.sort((a, b) => a - b);
    const ms = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
    return { name, perSecond: Math.round(1000 / ms), msPerOp: Number(ms.toFixed(3)) };
  });
}

// src/render/qr-mask.ts, qr-segments.ts and qr-reed-solomon.ts swap faster mask scoring, segment choice and
// error correction into every QRCode.create in the process; the baselines run with qrcode's own functions so
// that they measure the library as it ships.
const requireCjs = createRequire(import.meta.url);
const maskPattern = requireCjs('qrcode/lib/core/mask-pattern.js') as Record<string, unknown>;
const segments = requireCjs('qrcode/lib/core/segments.js') as { fromString: unknown };
const encoderPrototype = (requireCjs('qrcode/lib/core/reed-solomon-encoder.js') as { prototype: object }).prototype;
function asShipped<T>(fn: () => T): T {
  Object.assign(maskPattern, originalMaskFunctions);
  Object.assign(encoderPrototype, originalEncoder);
  segments.fromString = originalFromString;
  try {
    return fn();
  } finally {
    Object.assign(maskPattern, fastMaskFunctions);
    Object.assign(encoderPrototype, fastEncoder);
    segments.fromString = fromStringByShape;
  }
}

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

// The library drawing the same PNG as it ships: qrcode's own PNG, or bwip-js with the options it would get.
function baseline(s: RenderSpec): [string, () => unknown] {
  const sym = getSymbology(s.symbology);
  if (sym.engine === 'qrcode') {
    const o = { errorCorrectionLevel: s.options.ecc ?? 'M', margin: s.options.margin, scale: s.options.scale };
    return ['QRCode.toBuffer, as shipped', () => asShipped(() => QRCode.toBuffer(s.data, o as never))];
  }
  if (sym.engine === 'bwip') {
    const plan = planBwip(sym, s);
    if (!plan.ok) throw new Error(plan.issue.message);
    return ['bwipjs.toBuffer', () => bwipjs.toBuffer({ ...plan.opts })];
  }
  // A 2D matrix: bwip-js modules are two units, so half our pixels per module; rMQR at the version we pick.
  const opts: Record<string, unknown> = {
    ...matrixOptions(sym, s.options),
    bcid: sym.bcid,
    text: s.data,
    scale: Math.max(1, Math.round((s.options.scale ?? sym.defaultScale) / 2)),
    padding: s.options.margin * 2,
  };
  if (sym.id === 'rectangularmicroqrcode')
    opts.version = RMQR_VERSIONS.find((version) => {
      try {
        return bwipjs.raw(sym.bcid, s.data, { ...opts, version } as never).length > 0;
      } catch {
        return false;
      }
    });
  return ['bwipjs.toBuffer', () => bwipjs.toBuffer({ ...opts } as never)];
}

async function qrRows(): Promise<Row[]> {
  const qrSpec = spec({ data: URL_45, ecc: 'M', size: 300 });
  const [create, toBuffer, png, svg] = (await interleaved([
    [
      'qrcode: QRCode.create (45-char URL, ECC M), library as shipped',
      () => asShipped(() => QRCode.create(URL_45, { errorCorrectionLevel: 'M' })),
    ],
    [
      'qrcode: QRCode.toBuffer (same, width 300), as shipped',
      () => asShipped(() => QRCode.toBuffer(URL_45, { errorCorrectionLevel: 'M', width: 300 })),
    ],
    ['render qrcode png size 300', () => render(qrSpec)],
    ['render qrcode svg size 300', () => render({ ...qrSpec, format: 'svg' })],
  ])) as [Row, Row, Row, Row];
  const [pre] = await interleaved([['preflight qrcode (API path)', () => preflight(qrSpec)]], 2);
  return [
    create,
    toBuffer,
    {
      ...png,
      ratio: png.perSecond / create.perSecond,
      note: `vs QRCode.create; ${(png.perSecond / toBuffer.perSecond).toFixed(1)}× QRCode.toBuffer`,
    },
    { ...svg, ratio: svg.perSecond / create.perSecond, note: 'vs QRCode.create' },
    pre!,
  ];
}

// The library against our render + verify, and apart from it our render + verify against the render
// alone: the verification cost is the difference of two rows of ~50 µs, and in a group with bwip-js
// (megabytes of garbage a call, collected on whichever row runs next) it moved by more than itself.
async function pngRows(name: string, baseFn: () => unknown, s: RenderSpec): Promise<[Row, Row, Row, Row]> {
  const verify = await loadVerifier();
  const both = async () => verify(s, await render(s));
  const [base, verified] = (await interleaved([
    [name, baseFn],
    [`render + verify ${s.symbology} png`, both],
  ])) as [Row, Row];
  const [pairVerified, plain] = (await interleaved(
    [
      [`render + verify ${s.symbology} png (beside its render alone)`, both],
      [`render ${s.symbology} png (with its verification)`, () => render(s)],
    ],
    ROUNDS,
    PAIR_ROUND_MS,
  )) as [Row, Row];
  return [base, verified, pairVerified, plain];
}

// One symbology: the library baseline, and every format rendered and rendered + verified. The round's clock
// is the process's CPU, which counts libvips' threads still busy after a verification that used them (SVG,
// WebP, JPEG are read through sharp), so the plain renders are interleaved among themselves, the PNG
// render, its verification and the baseline as pngRows pairs them, and the other verified formats apart.
async function symbologyRows(id: SymbologyId, data: string): Promise<Row[]> {
  const verify = await loadVerifier();
  const specs = new Map(FORMATS.map((format) => [format, spec({ symbology: id, data, format })]));
  for (const [format, s] of specs)
    if (!(await verify(s, await render(s))).verified) throw new Error(`${id} ${format} does not verify`);
  const [baseName, baseFn] = baseline(specs.get('png')!);
  const png = specs.get('png')!;
  const rendered = await interleaved(
    FORMATS.map((format): [string, () => unknown] => [`render ${id} ${format}`, () => render(specs.get(format)!)]),
  );
  const [base, pngVerified, pairVerified, pngPlain] = await pngRows(`${id}: ${baseName}`, baseFn, png);
  const verified = await interleaved(
    FORMATS.map((format): [string, () => unknown] => {
      const s = specs.get(format)!;
      return [`render + verify ${id} ${format}`, async () => verify(s, await render(s))];
    }),
  );
  const byName = new Map([...rendered, ...verified].map((r) => [r.name, r]));
  const plainPng = byName.get(`render ${id} png`)!;
  const verifiedPng = byName.get(`render + verify ${id} png`)!;
  const target = targetOf(id);
  const rows: Row[] = [
    base,
    {
      ...pngVerified,
      ratio: pngVerified.perSecond / base.perSecond,
      note: `vs ${baseName} of the same input${target ? ` (target ≥ ${target})` : ''}`,
    },
    { ...pairVerified, note: 'measured in turn with the row below, apart from the library' },
    {
      ...pngPlain,
      ratio: (pairVerified.msPerOp - pngPlain.msPerOp) / pngPlain.msPerOp,
      note: `verification cost / render cost (target ≤ 0.5); ${(pngPlain.perSecond / base.perSecond).toFixed(1)}× ${baseName} unverified`,
    },
    { ...plainPng, note: 'among the plain renders: the base of the format rows below' },
  ];
  for (const format of FORMATS) {
    if (format === 'png') continue;
    const plain = byName.get(`render ${id} ${format}`)!;
    const both = byName.get(`render + verify ${id} ${format}`)!;
    rows.push(
      { ...plain, ratio: plain.msPerOp / plainPng.msPerOp, note: '× the PNG render time (target ≤ 2)' },
      { ...both, ratio: both.msPerOp / verifiedPng.msPerOp, note: '× the verified PNG time' },
    );
  }
  return rows;
}

// A book's EAN-13 with its EAN-5 price add-on, PNG: bwip-js drawing it against our render, verified (zxing
// then requires the add-on) and not.
async function addOnRows(): Promise<Row[]> {
  const verify = await loadVerifier();
  const s = spec({ symbology: 'ean13', data: '9781861972712', addon: '52250' });
  if (!(await verify(s, await render(s))).verified) throw new Error('ean13 with an add-on does not verify');
  const [baseName, baseFn] = baseline(s);
  const [base, verified, pairVerified, plain] = await pngRows(`ean13 + EAN-5 add-on: ${baseName}`, baseFn, s);
  const named = (r: Row, name: string): Row => ({ ...r, name });
  return [
    base,
    {
      ...named(verified, 'render + verify ean13 + EAN-5 add-on png'),
      ratio: verified.perSecond / base.perSecond,
      note: `vs ${baseName} of the same input`,
    },
    named(pairVerified, 'render + verify ean13 + EAN-5 add-on png (beside its render alone)'),
    {
      ...named(plain, 'render ean13 + EAN-5 add-on png'),
      ratio: (pairVerified.msPerOp - plain.msPerOp) / plain.msPerOp,
      note: `verification cost / render cost; ${(plain.perSecond / base.perSecond).toFixed(1)}× ${baseName} unverified`,
    },
  ];
}

// Our encoder for the symbology (the ones plan.ts and bwip.ts use) against raw(), which it replaces in the
// render: the gain that decided its use (docs/decisions/native-encoders.md, aztec-encoder.md). None for a
// symbology raw() still encodes.
async function encoderRows(id: SymbologyId, data: string): Promise<Row[]> {
  if (id === 'azteccode') {
    const [raw, mine] = (await interleaved([
      [`encode ${id}: bwip-js raw()`, () => bwipjs.raw('azteccode', data, {} as never)],
      [`encode ${id}: ours`, () => encodeAztec(data)],
    ])) as [Row, Row];
    return [raw, { ...mine, ratio: mine.perSecond / raw.perSecond, note: 'vs raw() of the same input' }];
  }
  const ours = nativeEncoder(id);
  if (!ours) return [];
  const s = spec({ symbology: id, data });
  const o = encodeOptions(s);
  const sym = getSymbology(id);
  const [raw, mine] = (await interleaved([
    [`encode ${id}: bwip-js raw()`, () => encodeWithBwip(sym, s.data, o)],
    [`encode ${id}: ours`, () => ours(s.data, o)],
  ])) as [Row, Row];
  return [raw, { ...mine, ratio: mine.perSecond / raw.perSecond, note: 'vs raw() of the same input' }];
}

/** Runs every measurement and returns one row each, with its ratio against the baseline of its group. */
// Every symbology's library baseline, and its render and verification in every format, WARM_UP_CALLS times
// before anything is measured: V8 compiles hot code in background threads, whose CPU the rounds count, so
// without this the rows measured first paid for compiling the paths they share with the rest (the verifier
// above all: the first symbology's verification cost came out about twice the same row measured later).
const WARM_UP_CALLS = Number(process.env.BENCH_WARM_UP_CALLS ?? 30);
async function warmUp(ids: readonly SymbologyId[], examples: Map<SymbologyId, string>): Promise<void> {
  const verify = await loadVerifier();
  for (const id of ids) {
    const specs = FORMATS.map((format) => spec({ symbology: id, data: examples.get(id)!, format }));
    const [, baseFn] = baseline(specs[0]!);
    for (let i = 0; i < WARM_UP_CALLS; i++) {
      await baseFn();
      for (const s of specs) await verify(s, await render(s));
    }
  }
}

export async function benchRender(only: readonly SymbologyId[] = SYMBOLOGY_IDS): Promise<Row[]> {
  const examples = new Map(describeSymbologies().map((d) => [d.id, d.data.example]));
  await warmUp(only, examples);
  const rows: Row[] = only.includes('qrcode') ? await qrRows() : [];
  for (const id of only) {
    rows.push(...(await symbologyRows(id, examples.get(id)!)));
    rows.push(...(await encoderRows(id, examples.get(id)!)));
  }
  if (only.includes('ean13')) rows.push(...(await addOnRows()));
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

// npx node test/bench/render.ts [symbology …]: print without writing docs/performance.md.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ids = process.argv.slice(2) as SymbologyId[];
  printRows(await benchRender(ids.length > 0 ? ids : SYMBOLOGY_IDS));
}
