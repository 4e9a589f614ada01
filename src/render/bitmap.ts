// A two-colour raster, one bit per pixel packed MSB first as PNG stores it (1 = foreground): what linear
// symbols and MaxiCode are drawn into, and what every raster writer (PNG, JPEG, WebP) reads.
import type { Glyph } from './glyphs.ts';
import type { Layout, Matrix } from './matrix.ts';

export type Bitmap = { width: number; height: number; stride: number; bits: Uint8Array };

/**
 * The largest working buffer a raster writer keeps from one image to the next. Reusing one saves the
 * allocation a small image would otherwise cost more than its coding; one grown past this (a poster-sized
 * image) serves its image only, so that one large render does not hold a worker's memory up for good.
 */
export const KEPT_BUFFER_MAX_BYTES = 1 << 20;

/** An all-background bitmap. */
export function createBitmap(width: number, height: number): Bitmap {
  const stride = (width + 7) >> 3;
  return { width, height, stride, bits: new Uint8Array(stride * height) };
}

// Sets bits x0..x1-1 of one row.
function fillSpan(b: Bitmap, row: number, x0: number, x1: number): void {
  if (x0 < 0) x0 = 0;
  if (x1 > b.width) x1 = b.width;
  if (x1 <= x0) return;
  const base = row * b.stride;
  const first = x0 >> 3;
  const last = (x1 - 1) >> 3;
  const head = 0xff >> (x0 & 7);
  const tail = (0xff << (7 - ((x1 - 1) & 7))) & 0xff;
  if (first === last) {
    b.bits[base + first]! |= head & tail;
    return;
  }
  b.bits[base + first]! |= head;
  b.bits.fill(0xff, base + first + 1, base + last);
  b.bits[base + last]! |= tail;
}

/** Fills a rectangle, clipped to the bitmap. */
export function fillRect(b: Bitmap, x: number, y: number, w: number, h: number): void {
  const y0 = Math.max(0, y);
  const y1 = Math.min(b.height, y + h);
  for (let row = y0; row < y1; row++) fillSpan(b, row, x, x + w);
}

/**
 * Fills many rectangles. Rows between two rectangle edges are alike, so each such band is drawn once
 * and copied down: bars are tall and few, and this is most of a linear symbol's pixels.
 */
export function fillRects(b: Bitmap, rects: readonly { x: number; y: number; w: number; h: number }[]): void {
  const edges = new Set<number>();
  for (const r of rects) {
    edges.add(Math.max(0, Math.min(b.height, r.y)));
    edges.add(Math.max(0, Math.min(b.height, r.y + r.h)));
  }
  const ys = [...edges].sort((p, q) => p - q);
  for (let k = 0; k + 1 < ys.length; k++) {
    const y0 = ys[k]!;
    const y1 = ys[k + 1]!;
    let inked = false;
    for (const r of rects) {
      if (r.y > y0 || r.y + r.h < y1 || r.w <= 0) continue;
      fillSpan(b, y0, r.x, r.x + r.w);
      inked = true;
    }
    if (!inked) continue;
    const row = b.bits.subarray(y0 * b.stride, (y0 + 1) * b.stride);
    for (let y = y0 + 1; y < y1; y++) b.bits.set(row, y * b.stride);
  }
}

/** Sets the ink pixels of a glyph whose pen position is (x, y) on the baseline. */
export function drawGlyph(b: Bitmap, g: Glyph, x: number, y: number): void {
  const x0 = x + g.left;
  const y0 = y - g.top;
  for (let j = 0; j < g.height; j++) {
    const row = y0 + j;
    if (row < 0 || row >= b.height) continue;
    const base = row * b.stride;
    for (let i = 0; i < g.width; i++) {
      if (g.mask[j * g.width + i] !== 1) continue;
      const col = x0 + i;
      if (col >= 0 && col < b.width) b.bits[base + (col >> 3)]! |= 0x80 >> (col & 7);
    }
  }
}

/** Whether pixel (x, y) is foreground. */
export function bitAt(b: Bitmap, x: number, y: number): boolean {
  return ((b.bits[y * b.stride + (x >> 3)]! >> (7 - (x & 7))) & 1) === 1;
}

/** The bitmap turned clockwise by 90, 180 or 270 degrees. */
export function rotateBitmap(b: Bitmap, rotate: 0 | 90 | 180 | 270): Bitmap {
  if (rotate === 0) return b;
  const turned = rotate !== 180;
  const out = createBitmap(turned ? b.height : b.width, turned ? b.width : b.height);
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      if (!bitAt(b, x, y)) continue;
      const [nx, ny] =
        rotate === 90
          ? [b.height - 1 - y, x]
          : rotate === 180
            ? [b.width - 1 - x, b.height - 1 - y]
            : [y, b.width - 1 - x];
      out.bits[ny * out.stride + (nx >> 3)]! |= 0x80 >> (nx & 7);
    }
  }
  return out;
}

/** A module matrix at its layout: each module row's dark runs drawn into its first pixel row, then copied down. */
export function matrixBitmap(m: Matrix, l: Layout): Bitmap {
  const b = createBitmap(l.width, l.height);
  const s = l.scale;
  for (let r = 0; r < m.rows; r++) {
    const y0 = l.top + r * s;
    const base = r * m.cols;
    let inked = false;
    for (let c = 0; c < m.cols; c++) {
      if (m.cells[base + c] !== 1) continue;
      const start = c;
      while (c < m.cols && m.cells[base + c] === 1) c++;
      fillSpan(b, y0, l.left + start * s, l.left + c * s);
      inked = true;
    }
    if (!inked) continue;
    const from = y0 * b.stride;
    for (let y = y0 + 1; y < y0 + s; y++) b.bits.copyWithin(y * b.stride, from, from + b.stride);
  }
  return b;
}
