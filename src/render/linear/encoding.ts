// A linear symbol as BWIPP's encoders hand it to their renderer: bar/space widths (sbs), bar heights and
// bottoms in inches (bhs, bbs) and the human-readable text (txt), plus the renderer options each encoder
// sets (its "style"). bwip-js's raw() returns the first four; the styles are BWIPP's, per encoder.
import bwipjs from 'bwip-js';
import type { Symbology, SymbologyId } from '../../domain/symbologies.ts';

/** One txt entry: text, x and y in points (y unset: renderer decides), font name, size in points. */
export type TextItem = [text: string, x: number, y: number | null | undefined, font: string, size: number];
export type LinearEncoding = { sbs: number[]; bhs: number[]; bbs: number[]; txt: TextItem[] };

/** The renderer options an encoder passes besides sbs/bhs/bbs/txt (only those our symbologies use). */
export type LinearStyle = {
  barratio: number;
  spaceratio: number;
  /** Set: the txt characters are joined and aligned (centred below the bars); unset: each at its own x, y. */
  textxalign?: 'center';
  textsize?: number;
  textxoffset?: number;
  textyoffset?: number;
  /** A stroked box around the bars (ITF-14's bearer bars), in points. */
  border?: { width: number; left: number; right: number; top: number; bottom: number };
};

const ALIGNED: LinearStyle = { barratio: 1, spaceratio: 1, textxalign: 'center' };
const PLACED: LinearStyle = { barratio: 1, spaceratio: 1 };
const INTERLEAVED: LinearStyle = { ...ALIGNED, barratio: 2, spaceratio: 2 };

/** What each encoder sets for renlinear (from BWIPP's encoders: ean13, code128, itf14 …). */
export const LINEAR_STYLES: Partial<Record<SymbologyId, LinearStyle>> = {
  code128: ALIGNED,
  'gs1-128': ALIGNED,
  code39: ALIGNED,
  code93: ALIGNED,
  ean13: PLACED,
  ean8: PLACED,
  upca: PLACED,
  upce: PLACED,
  itf14: {
    ...INTERLEAVED,
    textyoffset: -3.5,
    border: { width: 4, left: 10, right: 10, top: -0.55, bottom: -0.55 },
  },
  interleaved2of5: INTERLEAVED,
  codabar: ALIGNED,
  databaromni: ALIGNED,
  databarexpanded: ALIGNED,
};

/** The options BWIPP's encoder gets for a render (height in inches, as raw() takes it; an EAN/UPC add-on's digits). */
export type EncodeOptions = { includetext: boolean; height?: number; addon?: string };

/**
 * Space between an EAN/UPC main symbol and its add-on, in modules. GS1 allows 7-12 (UPC-A 9-12); BWIPP's
 * default is 12, but zxing reads an add-on only within 10.5 modules of the main symbol (3.5 left guards),
 * so 9: within the spec for every main symbol and clear of that reader's limit when edges blur (JPEG).
 */
export const ADDON_GAP_MODULES = 9;

/** The text and options BWIPP is given: the add-on goes after a space in the data, as BWIPP takes it. */
export function bwipInput(
  sym: Symbology,
  data: string,
  o: EncodeOptions,
): { text: string; opts: Record<string, unknown> } {
  const opts: Record<string, unknown> = { includetext: o.includetext };
  if (o.height !== undefined) opts.height = o.height;
  if (sym.id === 'code93') opts.includecheck = true;
  if (o.addon === undefined) return { text: data, opts };
  return { text: `${data} ${o.addon}`, opts: { ...opts, addongap: ADDON_GAP_MODULES } };
}

/** Encodes with bwip-js's raw(): BWIPP's own encoder, no drawing. */
export function encodeWithBwip(sym: Symbology, data: string, o: EncodeOptions): LinearEncoding {
  const { text, opts } = bwipInput(sym, data, o);
  const [first] = bwipjs.raw(sym.bcid, text, opts as never) as unknown as Partial<LinearEncoding>[];
  if (!first?.sbs) throw new Error('bwip-js returned no bars');
  return { sbs: first.sbs, bhs: first.bhs ?? [], bbs: first.bbs ?? [], txt: first.txt ?? [] };
}

/** An encoding whose bars all stand on the baseline at one height (every encoder but EAN/UPC's). */
export function evenBars(sbs: number[], height: number, txt: TextItem[]): LinearEncoding {
  const bars = (sbs.length + 1) >> 1;
  return { sbs, bhs: new Array<number>(bars).fill(height), bbs: new Array<number>(bars).fill(0), txt };
}

/** Whether `s` is one or more ASCII digits. */
export const allDigits = (s: string) => /^\d+$/.test(s);

/** A lookup of each character's index in `chars` by its code, -1 for any other (a table, not indexOf per character). */
export function indexByCode(chars: string): (code: number) => number {
  const index = new Int8Array(128).fill(-1);
  for (let i = 0; i < chars.length; i++) index[chars.charCodeAt(i)] = i;
  return (code) => (code < 128 ? index[code]! : -1);
}
