// bwip-js: option mapping, module matrices for 2D symbols we draw ourselves, and bwip-drawn linear/MaxiCode.
// Traps: 2D modules are 2 bwip units wide, linear modules 1; padding is in units (floored) times scale;
// `height` is in millimetres at 72 units per inch; colours take no '#'; rMQR needs an explicit version.
import bwipjs from 'bwip-js';
import type { RenderOptions as BwipRenderOptions } from 'bwip-js';
import type { RenderSpec } from '../domain/render-spec.ts';
import type { Symbology } from '../domain/symbologies.ts';
import type { Matrix } from './matrix.ts';
import type { EncodeFailure } from './qr.ts';

const ROTATE = { 0: 'N', 90: 'R', 180: 'I', 270: 'L' } as const;
const MM_PER_MODULE = 25.4 / 72;

// rMQR versions, smallest area first: the first that encodes the data wins.
const RMQR_VERSIONS = [7, 9, 11, 13, 15, 17]
  .flatMap((r) => [27, 43, 59, 77, 99, 139].map((c) => ({ r, c })))
  .filter(({ r, c }) => !(c === 27 && r !== 11 && r !== 13))
  .sort((a, b) => a.r * a.c - b.r * b.c)
  .map(({ r, c }) => `R${r}x${c}`);

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^bwipp\.[A-Za-z0-9]+(#\d+)?: /, '');
}

function failure(sym: Symbology, err: unknown): EncodeFailure {
  const text = message(err);
  const path = /eclevel/i.test(text) ? 'ecc' : /version/i.test(text) ? 'version' : /mask/i.test(text) ? 'mask' : 'data';
  return { path, message: `cannot encode as ${sym.name}: ${text}` };
}

function matrixOptions(sym: Symbology, o: RenderSpec['options']): Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  if (o.ecc !== undefined) opts.eclevel = o.ecc;
  if (o.version !== undefined) opts.version = String(o.version);
  if (o.mask !== undefined) opts.mask = o.mask + 1; // BWIPP numbers masks 1-8
  if (sym.id.startsWith('gs1')) opts.dontlint = false;
  return opts;
}

/** Encodes a 2D symbol with bwip-js into a module matrix. */
export function encodeBwipMatrix(
  sym: Symbology,
  spec: RenderSpec,
): { ok: true; matrix: Matrix } | { ok: false; issue: EncodeFailure } {
  const opts = matrixOptions(sym, spec.options);
  const versions = sym.id === 'rectangularmicroqrcode' ? RMQR_VERSIONS : [undefined];
  let last: unknown;
  for (const version of versions) {
    try {
      const raw = bwipjs.raw(sym.bcid, spec.data, (version === undefined ? opts : { ...opts, version }) as never);
      const first = raw[0];
      if (!first || !('pixs' in first)) throw new Error('bwip-js returned no matrix');
      return { ok: true, matrix: expandRows(first.pixs, first.pixx, first.pixy) };
    } catch (err) {
      last = err;
      if (version !== undefined && !/capacity|fit|large|long|length|exceed/i.test(message(err))) break;
    }
  }
  return { ok: false, issue: failure(sym, last) };
}

// PDF417 comes back with one pixel row per symbol row and pixy = rows x row height: repeat each row.
function expandRows(pixs: readonly number[], cols: number, rows: number): Matrix {
  const stored = Math.floor(pixs.length / cols);
  const repeat = Math.max(1, Math.round(rows / Math.max(1, stored)));
  const cells = new Uint8Array(cols * stored * repeat);
  for (let r = 0; r < stored; r++) {
    const row = pixs.slice(r * cols, (r + 1) * cols);
    for (let k = 0; k < repeat; k++) cells.set(row, (r * repeat + k) * cols);
  }
  return { cols, rows: stored * repeat, cells };
}

/** bwip-js render options for a bwip-drawn symbol at a given scale and extra horizontal padding in units. */
export function bwipOptions(sym: Symbology, spec: RenderSpec, scale: number, extra = 0): BwipRenderOptions {
  const o = spec.options;
  const colour = (c: string) => c.slice(1);
  const vertical = sym.kind === 'linear' ? Math.min(o.margin, 2) : o.margin;
  return {
    bcid: sym.bcid,
    text: spec.data,
    scale,
    paddingleft: o.margin + Math.floor(extra / 2),
    paddingright: o.margin + Math.ceil(extra / 2),
    paddingtop: vertical,
    paddingbottom: vertical,
    rotate: ROTATE[o.rotate],
    barcolor: colour(o.foreground),
    textcolor: colour(o.foreground),
    backgroundcolor: colour(o.background),
    sizelimit: 4096 * 4096,
    ...(o.include_text === undefined ? {} : { includetext: o.include_text }),
    ...(o.bar_height === undefined ? {} : { height: o.bar_height * MM_PER_MODULE }),
    ...(sym.id === 'maxicode' ? { mode: 4 } : {}),
    // Code 93's two check characters are mandatory, but BWIPP leaves them out unless asked.
    ...(sym.id === 'code93' ? { includecheck: true } : {}),
  } as BwipRenderOptions;
}

const MEASURED = Symbol('measured');

/** Image size (unrotated width, height) bwip-js would draw, without drawing: stops at the drawing's init. */
export function measureBwip(opts: BwipRenderOptions): { width: number; height: number } {
  const dwg = bwipjs.drawingSVG();
  let pad = { l: 0, r: 0, t: 0, b: 0 };
  let size = { width: 0, height: 0 };
  const probe = {
    ...dwg,
    setopts(o: BwipRenderOptions) {
      dwg.setopts?.(o);
      pad = { l: o.paddingleft ?? 0, r: o.paddingright ?? 0, t: o.paddingtop ?? 0, b: o.paddingbottom ?? 0 };
    },
    init(width: number, height: number) {
      size = { width: Math.floor(width + pad.l + pad.r), height: Math.floor(height + pad.t + pad.b) };
      throw MEASURED;
    },
  };
  try {
    bwipjs.render({ ...opts, sizelimit: undefined }, probe);
  } catch (err) {
    if (err !== MEASURED) throw err;
  }
  return size;
}

/** Chooses the scale (and extra padding units) for a bwip-drawn symbol: `scale` as given, or the largest that fits `size`. */
export function planBwip(
  sym: Symbology,
  spec: RenderSpec,
): { ok: true; opts: BwipRenderOptions; width: number; height: number } | { ok: false; issue: EncodeFailure } {
  try {
    const { scale, size } = spec.options;
    if (size === undefined) {
      const opts = bwipOptions(sym, spec, scale ?? sym.defaultScale);
      return { ok: true, opts, ...rotated(spec, measureBwip(opts)) };
    }
    const unit = measureBwip(bwipOptions(sym, spec, 1));
    const s = Math.floor(size / unit.width);
    if (s < 1)
      return {
        ok: false,
        issue: {
          path: 'size',
          message: `size ${size} is too small for this ${sym.name}; it needs at least ${unit.width} px`,
        },
      };
    let opts = bwipOptions(sym, spec, s);
    const natural = measureBwip(opts);
    const extra = Math.max(0, Math.floor((size - natural.width) / s));
    if (extra > 0) opts = bwipOptions(sym, spec, s, extra);
    return { ok: true, opts, ...rotated(spec, measureBwip(opts)) };
  } catch (err) {
    return { ok: false, issue: failure(sym, err) };
  }
}

function rotated(spec: RenderSpec, d: { width: number; height: number }): { width: number; height: number } {
  return spec.options.rotate === 90 || spec.options.rotate === 270 ? { width: d.height, height: d.width } : d;
}

/** PNG drawn by bwip-js. */
export function drawBwipPng(opts: BwipRenderOptions): Promise<Buffer> {
  return bwipjs.toBuffer(opts);
}

/** SVG drawn by bwip-js, given explicit pixel width/height so rasterizers size it like the PNG. */
export function drawBwipSvg(opts: BwipRenderOptions): { svg: string; width: number; height: number } {
  const svg = bwipjs.toSVG(opts);
  const m = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
  const width = Math.round(Number(m?.[1] ?? 0));
  const height = Math.round(Number(m?.[2] ?? 0));
  return { svg: svg.replace('<svg ', `<svg width="${width}" height="${height}" `), width, height };
}
