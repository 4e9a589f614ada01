// Planning a linear render: encode once, choose the scale (or the largest that fits `size`, leftover
// pixels widening the quiet zone as bwip-js padding did) and lay the symbol out.
import type { RenderSpec } from '../../domain/render-spec.ts';
import type { Symbology, SymbologyId } from '../../domain/symbologies.ts';
import type { EncodeFailure } from '../qr.ts';
import { encodeCode128, encodeGs1128 } from './code128.ts';
import { encodeCode39 } from './code39.ts';
import { encodeCode93 } from './code93.ts';
import { encodeCodabar } from './codabar.ts';
import { encodeEan13, encodeEan8, encodeUpca, encodeUpce } from './ean.ts';
import { encodeInterleaved2of5, encodeItf14 } from './itf.ts';
import {
  LINEAR_STYLES,
  encodeWithBwip,
  type EncodeOptions,
  type LinearEncoding,
  type LinearStyle,
} from './encoding.ts';
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

/**
 * What a plan is for: `check` answers whether the data can be drawn (preflight, at intake), so it must refuse
 * what BWIPP refuses; `draw` renders data that a check has accepted.
 */
export type PlanPurpose = 'check' | 'draw';

type NativeEncoder = {
  encode: (data: string, o: EncodeOptions) => LinearEncoding | undefined;
  /** Whether it refuses all BWIPP refuses, so that a check may use it too; else checks keep raw(). */
  checks: boolean;
  /** Whether it draws EAN/UPC add-ons; else a spec with one keeps raw(). */
  addons: boolean;
};

// Encoders of ours that return what raw() returns (proven by property tests, docs/decisions/native-encoders.md),
// used where the render bench shows the gain (its encode rows). BWIPP's code128 refuses ASCII only past
// 500 characters (ours returns undefined there, so raw() refuses it); GS1-128 data that our validation
// accepts may still fail BWIPP's GS1 lint (exclusive AIs, country codes …), so checks keep raw() for it.
// The EAN/UPC encoders return undefined for all BWIPP refuses (length, digits, check digit, number system,
// add-on length, EAN-8's add-on), so raw() refuses it with BWIPP's message, at a check as before. So do the
// ITF-14, Interleaved 2 of 5, Code 39, Code 93 and Codabar encoders, which also leave to raw() what BWIPP
// would change (13-digit ITF-14, an odd number of digits).
const NATIVE: Readonly<Partial<Record<SymbologyId, NativeEncoder>>> = {
  code128: { encode: encodeCode128, checks: true, addons: false },
  'gs1-128': { encode: encodeGs1128, checks: false, addons: false },
  ean13: { encode: encodeEan13, checks: true, addons: true },
  ean8: { encode: encodeEan8, checks: true, addons: true },
  upca: { encode: encodeUpca, checks: true, addons: true },
  upce: { encode: encodeUpce, checks: true, addons: true },
  itf14: { encode: encodeItf14, checks: true, addons: false },
  interleaved2of5: { encode: encodeInterleaved2of5, checks: true, addons: false },
  code39: { encode: encodeCode39, checks: true, addons: false },
  code93: { encode: encodeCode93, checks: true, addons: false },
  codabar: { encode: encodeCodabar, checks: true, addons: false },
};

/** Our encoder for a symbology, if it has one (the render bench times it against raw()). */
export const nativeEncoder = (id: SymbologyId) => NATIVE[id]?.encode;

/** The options BWIPP's encoder gets for a spec. */
export function encodeOptions(spec: RenderSpec): EncodeOptions {
  const o = spec.options;
  return {
    includetext: o.include_text ?? false,
    ...(o.addon === undefined ? {} : { addon: o.addon }),
    ...(o.bar_height === undefined ? {} : { height: (o.bar_height * MM_PER_MODULE) / 25.4 }),
  };
}

/** Encodes `spec.data` as BWIPP's encoder for this symbology does: with ours where one is proven, else raw(). */
export function encodeLinear(sym: Symbology, spec: RenderSpec, purpose: PlanPurpose): LinearEncoding {
  const o = encodeOptions(spec);
  const native = NATIVE[sym.id];
  // Add-ons are EAN/UPC's; the guard keeps the other encoders to the input they are proven on.
  const usable = native && (o.addon === undefined || native.addons) && (purpose === 'draw' || native.checks);
  const ours = usable ? native.encode(spec.data, o) : undefined;
  return ours ?? encodeWithBwip(sym, spec.data, o);
}

/** Lays out a linear symbol for the spec's scale or size; a failure names the field. */
export function planLinear(
  sym: Symbology,
  spec: RenderSpec,
  purpose: PlanPurpose,
): { ok: true; plan: LinearPlan } | { ok: false; issue: EncodeFailure } {
  const style = LINEAR_STYLES[sym.id] as LinearStyle;
  let enc: LinearEncoding;
  try {
    enc = encodeLinear(sym, spec, purpose);
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
