// Reading a vector drawing back as pixels along one line: every filled path crossed by the line at pixel
// centres (even-odd, curves flattened), painted in order over the background. What the verifier decodes
// from a delivered SVG, PDF or EPS of a linear symbol, with no rasterizer library in between.
import { luma, rgbOf } from '../domain/colour.ts';
import { markBox, markShape, type Drawing, type Seg, type Shape } from './vector.ts';

/** Luminance (0 black to 255 white) of an #rrggbb colour, as the PNG reader computes it. */
export function luminanceOf(hex: string): number {
  return luma(...rgbOf(hex));
}

// The path as straight edges (curves in eight steps), flat: x0, y0, x1, y1 of each in turn.
function edges(d: readonly Seg[]): number[] {
  const out: number[] = [];
  let [sx, sy, x, y] = [0, 0, 0, 0];
  for (const s of d) {
    if (s[0] === 'M') {
      if (x !== sx || y !== sy) out.push(x, y, sx, sy);
      sx = x = s[1];
      sy = y = s[2];
    } else if (s[0] === 'L') {
      out.push(x, y, s[1], s[2]);
      x = s[1];
      y = s[2];
    } else if (s[0] === 'C') {
      let [px, py] = [x, y];
      for (let k = 1; k <= 8; k++) {
        const t = k / 8;
        const u = 1 - t;
        const qx = u * u * u * x + 3 * u * u * t * s[1] + 3 * u * t * t * s[3] + t * t * t * s[5];
        const qy = u * u * u * y + 3 * u * u * t * s[2] + 3 * u * t * t * s[4] + t * t * t * s[6];
        out.push(px, py, qx, qy);
        px = qx;
        py = qy;
      }
      x = s[5];
      y = s[6];
    } else {
      if (x !== sx || y !== sy) out.push(x, y, sx, sy);
      x = sx;
      y = sy;
    }
  }
  if (x !== sx || y !== sy) out.push(x, y, sx, sy);
  return out;
}

// Whether any point of the path (control points included, so a superset of the curve) lies on both sides
// of the line at `c`; coordinate 1 is x, 2 is y.
function crosses(d: readonly Seg[], k: 1 | 2, c: number): boolean {
  // A path that does not begin with a move begins at the origin, as edges() reads it.
  let below = d.length > 0 && d[0]![0] !== 'M' && 0 <= c;
  let above = d.length > 0 && d[0]![0] !== 'M' && 0 > c;
  for (const s of d) {
    for (let i = k; i < s.length; i += 2) {
      if ((s[i] as number) <= c) below = true;
      else above = true;
    }
    if (below && above) return true;
  }
  return false;
}

// The drawing's shapes, then its marks placed as shapes (painted after them), only those whose box meets
// [from, to] on the axis a reader crosses (1: y, for rows; 0: x, for columns): a mark elsewhere paints
// none of the pixels read.
function shapesMeeting(dr: Drawing, axis: 0 | 1, from: number, to: number): Shape[] {
  const marks = dr.marks ?? [];
  if (marks.length === 0) return dr.shapes;
  const placed: Shape[] = [];
  for (const m of marks) {
    const box = markBox(m);
    if (box[axis + 2]! >= from && box[axis]! <= to) placed.push(markShape(m));
  }
  return [...dr.shapes, ...placed];
}

/**
 * The drawing's luminance at points on a grid: rows `y0 + r * step` (r < rows), at columns `x0 + c * step`
 * (c < cols), every pixel centre tested as scanDrawing does. Each shape's edges are computed once.
 */
export function sampleDrawing(
  dr: Drawing,
  x0: number,
  y0: number,
  step: number,
  cols: number,
  rows: number,
): Uint8Array {
  const back = luminanceOf(dr.background);
  const out = new Uint8Array(cols * rows).fill(back);
  const line = new Uint8Array(dr.width);
  // Each shape's crossings, bucketed by the sample row they cross: every edge is visited once.
  const painted = shapesMeeting(dr, 1, y0 + 0.5, y0 + (rows - 1) * step + 0.5).map((shape) => {
    const crossings: number[][] = Array.from({ length: rows }, () => []);
    // The sample rows whose centre c = y0 + r * step + 0.5 lies in [lo, hi).
    const rowsWithin = (lo: number, hi: number, each: (r: number, c: number) => void) => {
      for (let r = Math.max(0, Math.ceil((lo - y0 - 0.5) / step)); r < rows; r++) {
        const c = y0 + r * step + 0.5;
        if (c >= hi) break;
        if (c >= lo) each(r, c);
      }
    };
    const es = edges(shape.d);
    for (let e = 0; e < es.length; e += 4) {
      const [ax, ay, bx, by] = [es[e]!, es[e + 1]!, es[e + 2]!, es[e + 3]!];
      rowsWithin(Math.min(ay, by), Math.max(ay, by), (r, c) =>
        crossings[r]!.push(ax + ((c - ay) * (bx - ax)) / (by - ay)),
      );
    }
    // A rectangle's sides: its two vertical edges cross the rows its height spans, at its left and right.
    const rects = shape.rects ?? [];
    for (let i = 0; i + 3 < rects.length; i += 4) {
      const [left, top, width, height] = [rects[i]!, rects[i + 1]!, rects[i + 2]!, rects[i + 3]!];
      rowsWithin(top, top + height, (r) => crossings[r]!.push(left, left + width));
    }
    return { value: luminanceOf(shape.fill), crossings };
  });
  for (let r = 0; r < rows; r++) {
    line.fill(back);
    for (const { value, crossings } of painted) {
      const xs = crossings[r]!.sort((p, q) => p - q);
      for (let i = 0; i + 1 < xs.length; i += 2) {
        const from = Math.max(0, Math.ceil(xs[i]! - 0.5));
        const to = Math.min(dr.width, Math.ceil(xs[i + 1]! - 0.5));
        if (to > from) line.fill(value, from, to);
      }
    }
    for (let k = 0; k < cols; k++) out[r * cols + k] = line[x0 + k * step] ?? back;
  }
  return out;
}

/**
 * The drawing's luminance along row `at` (axis 'row', pixel centres y = at + 0.5) or column `at`
 * (axis 'column'): one value per pixel across the drawing.
 */
export function scanDrawing(dr: Drawing, axis: 'row' | 'column', at: number): Uint8Array {
  const length = axis === 'row' ? dr.width : dr.height;
  const line = new Uint8Array(length).fill(luminanceOf(dr.background));
  const c = at + 0.5;
  for (const shape of shapesMeeting(dr, axis === 'row' ? 1 : 0, c, c)) {
    const rects = shape.rects ?? [];
    const segments = crosses(shape.d, axis === 'row' ? 2 : 1, c);
    if (rects.length === 0 && !segments) continue;
    const crossings: number[] = [];
    // A rectangle's two sides that span the line cross it: its left and right along a row, its top and
    // bottom along a column.
    for (let i = 0; i + 3 < rects.length; i += 4) {
      const [left, top, width, height] = [rects[i]!, rects[i + 1]!, rects[i + 2]!, rects[i + 3]!];
      const [from, span, start, size] = axis === 'row' ? [top, height, left, width] : [left, width, top, height];
      if (from <= c && c < from + span) crossings.push(start, start + size);
    }
    const es = segments ? edges(shape.d) : [];
    for (let e = 0; e < es.length; e += 4) {
      // Along a row: crossings in x of edges spanning y = c; along a column, the same with x and y swapped.
      const [x0, y0, x1, y1] = [es[e]!, es[e + 1]!, es[e + 2]!, es[e + 3]!];
      const [a0, b0, a1, b1] = axis === 'row' ? [x0, y0, x1, y1] : [y0, x0, y1, x1];
      if (b0 <= c === b1 <= c) continue;
      crossings.push(a0 + ((c - b0) * (a1 - a0)) / (b1 - b0));
    }
    crossings.sort((p, q) => p - q);
    const value = luminanceOf(shape.fill);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      const from = Math.max(0, Math.ceil(crossings[i]! - 0.5));
      const to = Math.min(length, Math.ceil(crossings[i + 1]! - 0.5));
      if (to > from) line.fill(value, from, to);
    }
  }
  return line;
}
