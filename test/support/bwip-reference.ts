// What bwip-js itself is given for a spec, as the service drew linear symbols and MaxiCode with it before
// our own renderer: the reference the parity tests compare our drawing with, and the bench's baseline.
// Traps: linear modules are 1 bwip unit wide, 2D modules 2; padding is in units (floored) times scale;
// `height` is in millimetres at 72 units per inch; colours take no '#'.
import bwipjs from 'bwip-js';
import type { RenderOptions as BwipRenderOptions } from 'bwip-js';
import type { RenderSpec } from '../../src/domain/render-spec.ts';
import type { Symbology } from '../../src/domain/symbologies.ts';
import type { EncodeFailure } from '../../src/render/qr.ts';
import { failure } from '../../src/render/bwip.ts';
import { ADDON_GAP_MODULES } from '../../src/render/linear/encoding.ts';

const ROTATE = { 0: 'N', 90: 'R', 180: 'I', 270: 'L' } as const;
const MM_PER_MODULE = 25.4 / 72;

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
    // BWIPP takes an EAN/UPC add-on after a space in the data; the gap is ours (zxing reads no wider one).
    ...(o.addon === undefined ? {} : { text: `${spec.data} ${o.addon}`, addongap: ADDON_GAP_MODULES }),
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
