// Where every bar, border and character of a linear symbol lands, in image pixels: BWIPP's renlinear
// (bars, ITF-14's bearer box, the human-readable text) as bwip-js 4 executes it, and bwip-js's device
// arithmetic (integer scale, rounded line ends, its "super majority" pen width, its bounding box), so the
// image is the one bwip-js draws, pixel for pixel except the text's anti-aliased edges. Only the options the
// catalog's linear symbologies use are taken; the differential test against bwip-js's own PNGs checks it.
import { fontId, measureText } from '../glyphs.ts';
import type { LinearEncoding, LinearStyle } from './encoding.ts';

/** A filled rectangle in image pixels (unrotated). */
export type Rect = { x: number; y: number; w: number; h: number };
/** A run of text: pen position on the baseline in image pixels, font cell size in pixels. */
export type TextRun = { x: number; y: number; text: string; font: number; size: number };
/**
 * The laid-out symbol: image size including padding (unrotated), ink rectangles, text runs, and the rows
 * [top, bottom) that cross every bar (where a scanner's line reads the whole symbol).
 */
export type LinearLayout = {
  width: number;
  height: number;
  rects: Rect[];
  text: TextRun[];
  band: { top: number; bottom: number };
};

/** Drawing parameters: pixels per module and padding in pixels. */
export type LinearFrame = { scale: number; left: number; right: number; top: number; bottom: number };

type Line = { x: number; y0: number; y1: number; pen: number };
type Show = { x: number; y: number; text: string; font: number; size: number };
type Box = { x0: number; y0: number; x1: number; y1: number; pen: number };

const f32 = Math.fround;

// Device space is y-up as in PostScript; the bounding box collects what bwip-js's bbox() would.
class Device {
  minx = Infinity;
  miny = Infinity;
  maxx = -Infinity;
  maxy = -Infinity;
  readonly lines: Line[] = [];
  readonly shows: Show[] = [];
  readonly boxes: Box[] = [];
  readonly s: number;
  constructor(scale: number) {
    this.s = scale;
  }

  bbox(x0: number, y0: number, x1: number, y1: number): void {
    if (x0 > x1) [x0, x1] = [x1, x0];
    if (y0 > y1) [y0, y1] = [y1, y0];
    this.minx = Math.min(this.minx, Math.floor(x0));
    this.miny = Math.min(this.miny, Math.floor(y0));
    this.maxx = Math.max(this.maxx, Math.ceil(x1));
    this.maxy = Math.max(this.maxy, Math.ceil(y1));
  }

  // moveto (x, y); rlineto (0, h); stroke at line width w (user units).
  bar(x: number, y: number, h: number, w: number): void {
    const { s } = this;
    const x0 = Math.round(s * x);
    const y0 = Math.round(s * y);
    const y1 = Math.round(s * y + s * h);
    const pen = Math.floor(w * s + 0.66);
    this.bbox(x0 - pen / 2, y0, x0 + pen - pen / 2 - 1, y1);
    this.lines.push({ x: x0, y0, y1, pen });
  }

  // A closed rectangle path through the four corners, stroked at line width w.
  box(left: number, bottom: number, right: number, top: number, w: number): void {
    const { s } = this;
    const xs = [left, right].map((v) => Math.round(s * v));
    const ys = [bottom, top].map((v) => Math.round(s * v));
    const pen = Math.floor(w * s + 0.66);
    const half = Math.ceil(pen / 2);
    const b = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys), pen };
    this.bbox(b.x0 - half, b.y0 - half, b.x1 + half, b.y1 + half);
    this.boxes.push(b);
  }

  // show at device position (px, py): the string's ink box joins the bounding box.
  show(px: number, py: number, text: string, font: number, size: number): number {
    const m = measureText(font, text, size | 0);
    this.bbox(px, py - m.descent + 1, px + m.width - 1, py + m.ascent);
    this.shows.push({ x: px, y: py, text, font, size });
    return m.width;
  }
}

// The bars, drawn as they are met (BWIPP's renlinear: widths scaled by the bar and space ratios, each bar
// centred on its span); the symbol's width and height in points.
function drawBars(dev: Device, enc: LinearEncoding, style: LinearStyle): { pixx: number; pixy: number } {
  const { sbs, bhs, bbs } = enc;
  let pixx = 0;
  let pixy = 0;
  const last = Math.floor((sbs.length + 1) / 2) * 2 - 2;
  for (let i = 0; i <= last; i++) {
    const ratio = i % 2 === 0 ? style.barratio : style.spaceratio;
    const d = f32(sbs[i]! * ratio - ratio) + 1;
    if (i % 2 === 0 && sbs[i] !== 0) {
      const h = bhs[i >> 1]! * 72;
      const y = bbs[i >> 1]! * 72;
      dev.bar(f32(d / 2 + pixx), y, h, f32(d));
      if (f32(h + y) > pixy) pixy = f32(h + y);
    }
    pixx = f32(pixx + d);
  }
  return { pixx, pixy };
}

// rendertext's encoder-positioned branch: single characters centred on their (x, y), strings from it.
function placedText(dev: Device, enc: LinearEncoding): void {
  let size = 0;
  let font = '';
  let xoff = 0;
  let yoff = 0;
  for (let i = 0; i < enc.txt.length; i++) {
    const [text, x, y, name, sz] = enc.txt[i]!;
    const id = fontId(name || 'OCR-B');
    if (sz !== size || name !== font) {
      if (sz <= 0) throw new Error('The font size is too small');
      size = sz;
      font = name;
      const zero = measureText(id, '0', (size * dev.s) | 0);
      xoff = -(zero.width / dev.s / 2);
      yoff = -(f32(-zero.descent / dev.s + zero.ascent / dev.s) / 2);
    }
    let px = dev.s * x;
    let py = dev.s * (y ?? 0);
    if (text.length === 1) {
      px += dev.s * xoff;
      py += dev.s * yoff;
    }
    dev.show(px, py, text, id, size * dev.s);
  }
}

// rendertext's aligned branch: the txt characters as one string, centred below the bars by default.
function alignedText(dev: Device, enc: LinearEncoding, style: LinearStyle, pixx: number): void {
  const content = enc.txt.map((t) => t[0]).join('');
  if (content.length === 0) return;
  const size = style.textsize ?? 10;
  const id = fontId('OCR-B');
  const px = (size * dev.s) | 0;
  const ascent = measureText(id, '0', px).ascent / dev.s;
  const width = f32(measureText(id, content, px).width / dev.s);
  const x = f32(pixx - width) / 2 + (style.textxoffset ?? 0);
  const y = f32(-f32(ascent) - 1) + (style.textyoffset ?? 0);
  dev.show(dev.s * x, dev.s * y, content, id, size * dev.s);
}

/** Lays out an encoded linear symbol at an integer scale with padding, as bwip-js draws it. */
export function layoutLinear(
  enc: LinearEncoding,
  style: LinearStyle,
  includeText: boolean,
  frame: LinearFrame,
): LinearLayout {
  const dev = new Device(frame.scale);
  // The bounding box is a min and max, so the bars may join it before the border that is sized by them.
  const { pixx, pixy } = drawBars(dev, enc, style);
  if (style.border) {
    const b = style.border;
    const half = b.width / 2;
    dev.box(-f32(b.left + half), -f32(b.bottom + half), f32(pixx + b.right + half), f32(pixy + b.top + half), b.width);
  }
  if (includeText && enc.txt.length > 0) {
    if (style.textxalign === undefined) placedText(dev, enc);
    else alignedText(dev, enc, style, pixx);
  }
  return toImage(dev, frame);
}

// Device space to image pixels, and each primitive to what bwip-js's built-in drawing fills.
function toImage(dev: Device, frame: LinearFrame): LinearLayout {
  const { minx, maxy } = dev;
  const ox = frame.left - minx;
  const oy = frame.top + maxy;
  const rects: Rect[] = [];
  const band = { top: -Infinity, bottom: Infinity };
  for (const b of dev.boxes) {
    const big = Math.ceil(b.pen / 2);
    const rem = b.pen - big;
    const x0 = b.x0 + ox;
    const x1 = b.x1 + ox;
    const y0 = oy - b.y1;
    const y1 = oy - b.y0;
    const outer = { x: x0 - big, y: y0 - big, w: x1 - x0 + 2 * big + 1, h: y1 - y0 + 2 * big + 1 };
    const inner = { x: x0 + rem, y: y0 + rem, w: x1 - x0 - 2 * rem + 1, h: y1 - y0 - 2 * rem + 1 };
    rects.push(
      { x: outer.x, y: outer.y, w: outer.w, h: inner.y - outer.y },
      { x: outer.x, y: inner.y + inner.h, w: outer.w, h: outer.y + outer.h - inner.y - inner.h },
      { x: outer.x, y: inner.y, w: inner.x - outer.x, h: inner.h },
      { x: inner.x + inner.w, y: inner.y, w: outer.x + outer.w - inner.x - inner.w, h: inner.h },
    );
  }
  for (const l of dev.lines) {
    const lw = Math.round(l.pen) || 1;
    const ya = oy - l.y1;
    const yb = oy - l.y0;
    const bar = { x: l.x + ox - lw + (lw >> 1), y: Math.min(ya, yb), w: lw, h: Math.abs(yb - ya) + 1 };
    rects.push(bar);
    band.top = Math.max(band.top, bar.y);
    band.bottom = Math.min(band.bottom, bar.y + bar.h);
  }
  // The bars run under a bearer box's top and bottom sides: the band is the rows between them, where a
  // line crosses the bars and nothing else.
  for (let i = 0; i < dev.boxes.length; i++) {
    const [top, bottom] = [rects[4 * i]!, rects[4 * i + 1]!];
    band.top = Math.max(band.top, top.y + top.h);
    band.bottom = Math.min(band.bottom, bottom.y);
  }
  const text = dev.shows.map((t) => ({
    x: Math.trunc(t.x - minx) + frame.left,
    y: Math.trunc(maxy - t.y) + frame.top,
    text: t.text,
    font: t.font,
    size: t.size | 0,
  }));
  return {
    width: dev.maxx - dev.minx + 1 + frame.left + frame.right,
    height: dev.maxy - dev.miny + 1 + frame.top + frame.bottom,
    rects: rects.filter((r) => r.w > 0 && r.h > 0),
    text,
    band,
  };
}
