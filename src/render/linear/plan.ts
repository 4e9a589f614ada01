// Planning a linear render: encode once, choose the scale (or the largest that fits `size`, leftover
// pixels widening the quiet zone as bwip-js padding did) and lay the symbol out.
import type { RenderSpec } from '../../domain/render-spec.ts';
import type { Symbology } from '../../domain/symbologies.ts';
import type { EncodeFailure } from '../qr.ts';
import { LINEAR_STYLES, encodeWithBwip, type LinearEncoding, type LinearStyle } from './encoding.ts';
import { layoutLinear, type LinearLayout } from './layout.ts';

export type LinearPlan = { layout: LinearLayout; scale: number };

// bar_height is in modules; BWIPP takes inches (72 points per inch, one module a point at scale 1), and
// bwip-js went through millimetres on the way: the same arithmetic gives the same bar heights.
const MM_PER_MODULE = 25.4 / 72;

function frameAt(spec: RenderSpec, scale: number, extra = 0) {
  const { margin } = spec.options;
  const vertical = Math.min(margin, 2);
  return {
    scale,
    left: (margin + Math.floor(extra / 2)) * scale,
    right: (margin + Math.ceil(extra / 2)) * scale,
    top: vertical * scale,
    bottom: vertical * scale,
  };
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^bwipp\.[A-Za-z0-9]+(#\d+)?: /, '');
}

/** Encodes `spec.data` with BWIPP's encoder for this symbology. */
export function encodeLinear(sym: Symbology, spec: RenderSpec): LinearEncoding {
  const o = spec.options;
  return encodeWithBwip(sym, spec.data, {
    includetext: o.include_text ?? false,
    ...(o.addon === undefined ? {} : { addon: o.addon }),
    ...(o.bar_height === undefined ? {} : { height: (o.bar_height * MM_PER_MODULE) / 25.4 }),
  });
}

/** Lays out a linear symbol for the spec's scale or size; a failure names the field. */
export function planLinear(
  sym: Symbology,
  spec: RenderSpec,
): { ok: true; plan: LinearPlan } | { ok: false; issue: EncodeFailure } {
  const style = LINEAR_STYLES[sym.id] as LinearStyle;
  let enc: LinearEncoding;
  try {
    enc = encodeLinear(sym, spec);
  } catch (err) {
    return { ok: false, issue: { path: 'data', message: `cannot encode as ${sym.name}: ${message(err)}` } };
  }
  const text = spec.options.include_text ?? false;
  const { scale, size } = spec.options;
  if (size === undefined) {
    const s = scale ?? sym.defaultScale;
    return { ok: true, plan: { scale: s, layout: layoutLinear(enc, style, text, frameAt(spec, s)) } };
  }
  const unit = layoutLinear(enc, style, text, frameAt(spec, 1)).width;
  const s = Math.floor(size / unit);
  if (s < 1)
    return {
      ok: false,
      issue: { path: 'size', message: `size ${size} is too small for this ${sym.name}; it needs at least ${unit} px` },
    };
  const natural = layoutLinear(enc, style, text, frameAt(spec, s));
  const extra = Math.max(0, Math.floor((size - natural.width) / s));
  const layout = extra > 0 ? layoutLinear(enc, style, text, frameAt(spec, s, extra)) : natural;
  return { ok: true, plan: { scale: s, layout } };
}
