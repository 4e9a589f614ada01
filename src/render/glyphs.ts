// The glyph atlas for human-readable text: the OCR-B font bwip-js embeds (Matthew Skala's outlines of
// Norbert Schwarz's OCR-B, see docs/decisions/linear-renderer.md for its licence), rasterized by bwip-js's
// own stb_truetype port once per character and pixel size, then kept as a 1-bit mask with its metrics.
// The metrics are the ones bwip-js lays text out with, so text lands where bwip-js would put it.
import bwipjs from 'bwip-js';
import { quadraticAsCubic, type Seg } from './vector.ts';

/** One character at one pixel size: placement metrics, a 1-bit mask (1 = ink) and its outline. */
export type Glyph = {
  /** Pixels from the pen position to the mask's left edge. */
  left: number;
  /** Pixels from the baseline up to the mask's top row. */
  top: number;
  width: number;
  height: number;
  advance: number;
  /** width x height, row-major, 1 where the rasterizer's coverage is at least half. */
  mask: Uint8Array;
  /** The outline relative to the pen position on the baseline, y down (for vector output). */
  outline: Seg[];
};

// By font and size, then by char code: number keys, so that a lookup per character builds no string.
const atlas = new Map<number, Map<number, Glyph>>();

/** bwip-js's font id for a font name (unknown names fall back to OCR-B, as in bwip-js). */
export function fontId(name: string): number {
  return bwipjs.FontLib.lookup(name);
}

function outlineOf(font: number, code: number, size: number): Seg[] {
  const out: Seg[] = [];
  let x = 0;
  let y = 0;
  for (const p of bwipjs.FontLib.getpaths(font, code, size, size) ?? []) {
    if (p.type === 'M' || p.type === 'L') out.push([p.type, p.x, -p.y]);
    else if (p.type === 'Q') {
      out.push(quadraticAsCubic(x, y, p.cx, -p.cy, p.x, -p.y));
    } else out.push(['C', p.cx1, -p.cy1, p.cx2, -p.cy2, p.x, -p.y]);
    if (p.type === 'M' && out.length > 1) out.splice(out.length - 1, 0, ['Z']);
    x = p.x;
    y = -p.y;
  }
  if (out.length > 0) out.push(['Z']);
  return out;
}

/** The glyph of char code `code` in `font` at `size` px (bwip-js's cell size), rasterized on first use. */
export function glyph(font: number, code: number, size: number): Glyph {
  const face = font * 65_536 + size;
  let glyphs = atlas.get(face);
  if (!glyphs) atlas.set(face, (glyphs = new Map()));
  let g = glyphs.get(code);
  if (!g) {
    const raw = bwipjs.FontLib.getglyph(font, code, size, size);
    const mask = new Uint8Array(raw.width * raw.height);
    const coverage = raw.bytes ?? raw.pixels;
    for (let i = 0; i < mask.length; i++) mask[i] = (coverage?.[(raw.offset ?? 0) + i] ?? 0) >= 128 ? 1 : 0;
    g = {
      left: raw.left,
      top: raw.top,
      width: raw.width,
      height: raw.height,
      advance: raw.advance,
      mask,
      outline: outlineOf(font, code, size),
    };
    glyphs.set(code, g);
  }
  return g;
}

/** What bwip-js's drawing `measure` reports for a string: ink width from the pen, ascent and descent. */
export function measureText(
  font: number,
  text: string,
  size: number,
): { width: number; ascent: number; descent: number } {
  let width = 0;
  let ascent = 0;
  let descent = 0;
  for (let i = 0; i < text.length; i++) {
    const g = glyph(font, text.charCodeAt(i), size);
    ascent = Math.max(ascent, g.top);
    descent = Math.max(descent, g.height - g.top);
    width += i === text.length - 1 ? g.left + g.width : g.advance;
  }
  return { width, ascent, descent };
}
