// The vector drawing every non-raster writer shares: filled shapes in pixel units (y down), from a
// module matrix or from bwip-js's SVG. PDF and EPS are written from it; styled QR codes are drawn in it.
import type { Layout, Matrix } from './matrix.ts';
import { memoOfText } from './memo.ts';

/** Absolute path segments; arcs are already cubic Béziers so every writer speaks the same subset. */
export type Seg =
  ['M', number, number] | ['L', number, number] | ['C', number, number, number, number, number, number] | ['Z'];
/** One filled path (even-odd fill), colour as #rrggbb; `rects` (x, y, w, h each) are more closed subpaths of it. */
export type Shape = { fill: string; d: Seg[]; rects?: number[] };
/** An embedded raster (a logo), placed in pixel units; `png` is its PNG encoding. */
export type Picture = { x: number; y: number; width: number; height: number; png: Buffer };
/** A 2D affine map [a, b, c, d, e, f]: (x, y) to (a x + c y + e, b x + d y + f), as SVG, PDF and PostScript write it. */
export type Affine = [number, number, number, number, number, number];
/**
 * A glyph outline placed by a transform. Each distinct outline (by identity: the glyph atlas hands out one
 * per character and size) is written once per file (SVG defs, a PDF form, an EPS procedure) and referenced.
 */
export type Mark = { d: readonly Seg[]; fill: string; at: Affine };
export type Drawing = {
  width: number;
  height: number;
  background: string;
  shapes: Shape[];
  pictures: Picture[];
  /** Painted after the shapes, before the pictures. */
  marks?: Mark[];
};

/** The distinct outlines of the marks in order of first use, and each mark's index into them. */
export function markOutlines(marks: readonly Mark[]): { outlines: (readonly Seg[])[]; index: number[] } {
  const ids = new Map<readonly Seg[], number>();
  const index = marks.map((m) => {
    let id = ids.get(m.d);
    if (id === undefined) ids.set(m.d, (id = ids.size));
    return id;
  });
  return { outlines: [...ids.keys()], index };
}

// Each outline's bounding box of its points (control points included: a superset of the curve), once.
const OUTLINE_BOXES = new WeakMap<readonly Seg[], [number, number, number, number]>();

/**
 * A placed mark's axis-aligned bounding box [x0, y0, x1, y1], widened by a hair against rounding: no pixel
 * outside it is painted by it.
 */
export function markBox(m: Mark): [number, number, number, number] {
  let box = OUTLINE_BOXES.get(m.d);
  if (!box) {
    // An outline that does not begin with a move begins at the origin, as edges() reads it.
    box = m.d[0]?.[0] === 'M' ? [Infinity, Infinity, -Infinity, -Infinity] : [0, 0, 0, 0];
    for (const s of m.d)
      for (let i = 1; i + 1 < s.length; i += 2) {
        const [x, y] = [s[i] as number, s[i + 1] as number];
        box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
      }
    OUTLINE_BOXES.set(m.d, box);
  }
  const [x0, y0, x1, y1] = box;
  const [a, b, c, d, e, f] = m.at;
  // The transform is separable per axis: each output range is the sum of the inputs' ranges scaled.
  const [ax0, ax1, cy0, cy1] = [a * x0, a * x1, c * y0, c * y1];
  const [bx0, bx1, dy0, dy1] = [b * x0, b * x1, d * y0, d * y1];
  const hair = 1e-6;
  return [
    e + Math.min(ax0, ax1) + Math.min(cy0, cy1) - hair,
    f + Math.min(bx0, bx1) + Math.min(dy0, dy1) - hair,
    e + Math.max(ax0, ax1) + Math.max(cy0, cy1) + hair,
    f + Math.max(bx0, bx1) + Math.max(dy0, dy1) + hair,
  ];
}

/** A mark placed: its outline through its transform, as a shape of its fill. */
export function markShape(m: Mark): Shape {
  return { fill: m.fill, d: transformSegs(m.d, m.at) };
}

/** The drawing with its marks placed as shapes, painted after the others. */
export function placedMarks(dr: Drawing): Drawing {
  const marks = dr.marks ?? [];
  if (marks.length === 0) return dr;
  return { ...dr, shapes: [...dr.shapes, ...marks.map(markShape)], marks: [] };
}

/** The cubic Bézier a quadratic one from (x, y) through (qx, qy) to (ex, ey) is exactly. */
export function quadraticAsCubic(x: number, y: number, qx: number, qy: number, ex: number, ey: number): Seg {
  const k = 2 / 3;
  return ['C', x + k * (qx - x), y + k * (qy - y), ex + k * (qx - ex), ey + k * (qy - ey), ex, ey];
}

/** A segment list mapped through an affine transform (what a reader does with a placed mark). */
export function transformSegs(d: readonly Seg[], [a, b, c, e, f, g]: Affine): Seg[] {
  const x = (px: number, py: number) => a * px + c * py + f;
  const y = (px: number, py: number) => b * px + e * py + g;
  return d.map((s): Seg => {
    if (s[0] === 'Z') return s;
    if (s[0] === 'C')
      return ['C', x(s[1], s[2]), y(s[1], s[2]), x(s[3], s[4]), y(s[3], s[4]), x(s[5], s[6]), y(s[5], s[6])];
    return [s[0], x(s[1], s[2]), y(s[1], s[2])];
  });
}

const KAPPA = 0.5522847498;

/** A rectangle as a closed path. */
export function rect(x: number, y: number, w: number, h: number): Seg[] {
  return [['M', x, y], ['L', x + w, y], ['L', x + w, y + h], ['L', x, y + h], ['Z']];
}

/** A rectangle with corner radius r, clockwise, as Béziers. */
export function roundRect(x: number, y: number, w: number, h: number, r: number): Seg[] {
  const k = r * (1 - KAPPA);
  const x1 = x + w;
  const y1 = y + h;
  return [
    ['M', x + r, y],
    ['L', x1 - r, y],
    ['C', x1 - k, y, x1, y + k, x1, y + r],
    ['L', x1, y1 - r],
    ['C', x1, y1 - k, x1 - k, y1, x1 - r, y1],
    ['L', x + r, y1],
    ['C', x + k, y1, x, y1 - k, x, y1 - r],
    ['L', x, y + r],
    ['C', x, y + k, x + k, y, x + r, y],
    ['Z'],
  ];
}

/** A circle as four Béziers. */
export function circle(cx: number, cy: number, r: number): Seg[] {
  return roundRect(cx - r, cy - r, 2 * r, 2 * r, r);
}

/** Plain square modules as rectangles (x, y, w, h each): one per horizontal run of dark modules. */
export function matrixRects(m: Matrix, l: Layout): number[] {
  const out: number[] = [];
  const s = l.scale;
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.cols;
    let c = 0;
    while (c < m.cols) {
      if (m.cells[base + c] !== 1) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.cols && m.cells[base + c] === 1) c++;
      out.push(l.left + start * s, l.top + r * s, (c - start) * s, s);
    }
  }
  return out;
}

/** Plain square modules: one rectangle per horizontal run (what the SVG writer does too). */
export function matrixShapes(m: Matrix, l: Layout, skip?: (r: number, c: number) => boolean): Seg[] {
  const d: Seg[] = [];
  const s = l.scale;
  for (let r = 0; r < m.rows; r++) {
    let c = 0;
    while (c < m.cols) {
      if (m.cells[r * m.cols + c] !== 1 || skip?.(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.cols && m.cells[r * m.cols + c] === 1 && !skip?.(r, c)) c++;
      d.push(...rect(l.left + start * s, l.top + r * s, (c - start) * s, s));
    }
  }
  return d;
}

/** A matrix as a drawing with square modules. */
export function matrixDrawing(m: Matrix, l: Layout, foreground: string, background: string): Drawing {
  return {
    width: l.width,
    height: l.height,
    background,
    shapes: [{ fill: foreground, d: [], rects: matrixRects(m, l) }],
    pictures: [],
  };
}

const PATH = /<path ([^>]*?)\/?>/g;
const USE = /<use ([^>]*?)\/?>/g;
const ATTR = /([a-z-]+)="([^"]*)"/g;

const isDigit = (c: number) => c >= 48 && c <= 57;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Number(s.slice(start, end)) without the slice, for a decimal of up to 15 digits with an optional leading
 * minus and at most one point: its digits as an exact integer divided once by an exact power of ten is
 * the correctly rounded value, which is what Number() gives. Anything else (an exponent, more digits, a
 * second point, no digit) goes to Number().
 */
export function decimalAt(s: string, start: number, end: number): number {
  let i = s.charCodeAt(start) === 45 ? start + 1 : start;
  let value = 0;
  let digits = 0;
  let point = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 46 && point < 0) point = i;
    else return Number(s.slice(start, end));
  }
  if (digits === 0 || digits > 15) return Number(s.slice(start, end));
  if (point >= 0) value /= POWERS_OF_TEN[end - point - 1]!;
  return s.charCodeAt(start) === 45 ? -value : value;
}

/**
 * Where the number that the pattern -?\d*\.?\d+(?:e-?\d+)? (case-insensitive) matches at i ends, reading no
 * further than `to`; -1 if none starts there.
 */
function numberEnd(s: string, i: number, to: number): number {
  let j = s.charCodeAt(i) === 45 ? i + 1 : i; // -
  const digits = j;
  while (j < to && isDigit(s.charCodeAt(j))) j++;
  let end = -1;
  if (j + 1 < to && s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
    end = j + 1;
    while (end < to && isDigit(s.charCodeAt(end))) end++;
  } else if (j > digits) end = j;
  if (end < 0) return -1;
  if (end < to && (s.charCodeAt(end) | 32) === 101) {
    let e = end + 1 < to && s.charCodeAt(end + 1) === 45 ? end + 2 : end + 1;
    const exponent = e;
    while (e < to && isDigit(s.charCodeAt(e))) e++;
    if (e > exponent) end = e;
  }
  return end;
}

/**
 * The numbers in a string, as the pattern -?\d*\.?\d+(?:e-?\d+)? (case-insensitive) finds them left to right,
 * scanned by character codes: a symbol's path data holds thousands.
 */
export function numbers(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length;) {
    const end = numberEnd(s, i, s.length);
    if (end < 0) i++;
    else {
      out.push(decimalAt(s, i, end));
      i = end;
    }
  }
  return out;
}

// The path commands parsePath reads, by character code: M L C Q Z h v z.
const COMMANDS = new Uint8Array(128);
for (const c of 'MLCQZhvz') COMMANDS[c.charCodeAt(0)] = 1;

/**
 * Parses an M/L/C/Q/Z path with absolute coordinates, and relative h/v/z (the subset bwip-js and our
 * writers use): each command takes the numbers up to the next command; text before the first is ignored.
 * One scan by character codes, with no substrings: a symbol's path holds thousands of segments.
 */
export function parsePath(d: string): Seg[] {
  return parse(d, undefined);
}

/**
 * parsePath, with each subpath written exactly as a rectangle is (M x y h w v h h -w z, what matrixRects
 * and the SVG writer make of every module run) kept as x, y, width, height in `rects` instead: the same
 * filled area, in a fifth of the segments.
 */
export function parseShape(d: string): { d: Seg[]; rects: number[] } {
  const rects: number[] = [];
  return { d: parse(d, rects), rects };
}

// Where a path's pen is, and where its subpath started (z returns there).
type Pen = { x: number; y: number; sx: number; sy: number };

function parse(d: string, rects: number[] | undefined): Seg[] {
  const out: Seg[] = [];
  const n: number[] = [];
  const pen: Pen = { x: 0, y: 0, sx: 0, sy: 0 };
  let command = -1;
  let moved = false; // a rectangle was read since the last segment
  // One pass: a number never holds a command letter, so each command's numbers are the ones read before
  // the next letter (no number starts or ends differently for not having cut the text at the letters).
  for (let i = 0; i < d.length;) {
    const c = d.charCodeAt(i);
    if (COMMANDS[c] === 1) {
      if (command >= 0) {
        // The segments after a rectangle start where it did, as they would after its z.
        if (moved) out.push(['M', pen.sx, pen.sy]);
        moved = false;
        addSegments(out, command, n, pen);
      }
      n.length = 0;
      const end = c === 77 && rects ? rectAt(d, i, rects, pen) : -1;
      if (end > 0) {
        // The subpath before it is closed by the move above when segments follow, or as the path ends.
        moved = true;
        command = -1; // what follows until the next command is ignored, as z ignores numbers
        i = end;
        continue;
      }
      command = c;
      i++;
      continue;
    }
    const end = numberEnd(d, i, d.length);
    if (end < 0) i++;
    else {
      if (command >= 0) n.push(decimalAt(d, i, end));
      i = end;
    }
  }
  if (command >= 0) {
    if (moved) out.push(['M', pen.sx, pen.sy]);
    addSegments(out, command, n, pen);
  }
  return out;
}

// Where the rectangle subpath `M x y h w v h h -w z` that starts at i ends (appending x, y, w, h to
// rects, w and h made positive, and leaving the pen where z leaves it), or -1 when the text there is
// anything else.
function rectAt(d: string, i: number, rects: number[], pen: Pen): number {
  const values: number[] = [];
  let at = i + 1;
  for (const next of RECT_SEPARATORS) {
    const end = numberEnd(d, at, d.length);
    if (end < 0 || d.charCodeAt(end) !== next) return -1;
    values.push(decimalAt(d, at, end));
    at = end + 1;
  }
  const [x, y, w, h, back] = values as [number, number, number, number, number];
  if (back !== -w) return -1;
  rects.push(Math.min(x, x + w), Math.min(y, y + h), Math.abs(w), Math.abs(h));
  pen.x = pen.sx = x;
  pen.y = pen.sy = y;
  return at;
}
// After each of x, y, w, h and -w: a space, h, v, h, z.
const RECT_SEPARATORS = [32, 104, 118, 104, 122];

function addSegments(out: Seg[], command: number, n: readonly number[], pen: Pen) {
  switch (command) {
    case 77: // M
    case 76: // L
      for (let i = 0; i + 1 < n.length; i += 2) {
        pen.x = n[i]!;
        pen.y = n[i + 1]!;
        const move = i === 0 && command === 77;
        if (move) [pen.sx, pen.sy] = [pen.x, pen.y];
        out.push([move ? 'M' : 'L', pen.x, pen.y]);
      }
      break;
    case 104: // h
      for (const dx of n) out.push(['L', (pen.x += dx), pen.y]);
      break;
    case 118: // v
      for (const dy of n) out.push(['L', pen.x, (pen.y += dy)]);
      break;
    case 67: // C
      for (let i = 0; i + 5 < n.length; i += 6) {
        out.push(['C', n[i]!, n[i + 1]!, n[i + 2]!, n[i + 3]!, n[i + 4]!, n[i + 5]!]);
        pen.x = n[i + 4]!;
        pen.y = n[i + 5]!;
      }
      break;
    case 81: // Q
      for (let i = 0; i + 3 < n.length; i += 4) {
        out.push(quadraticAsCubic(pen.x, pen.y, n[i]!, n[i + 1]!, n[i + 2]!, n[i + 3]!));
        pen.x = n[i + 2]!;
        pen.y = n[i + 3]!;
      }
      break;
    default: // Z z
      out.push(['Z']);
      [pen.x, pen.y] = [pen.sx, pen.sy];
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100));

/** A path in SVG syntax, rectangles (x, y, w, h each) appended as M x y h w v h h -w z. */
export function svgPath(d: readonly Seg[], rects: readonly number[] = []): string {
  let out = '';
  for (let i = 0; i + 3 < rects.length; i += 4)
    out += `M${fmt(rects[i]!)} ${fmt(rects[i + 1]!)}h${fmt(rects[i + 2]!)}v${fmt(rects[i + 3]!)}h${fmt(-rects[i + 2]!)}z`;
  for (const s of d) {
    if (s[0] === 'Z') out += 'Z';
    else if (s[0] === 'C') out += `C${fmt(s[1])} ${fmt(s[2])} ${fmt(s[3])} ${fmt(s[4])} ${fmt(s[5])} ${fmt(s[6])}`;
    else out += `${s[0]}${fmt(s[1])} ${fmt(s[2])}`;
  }
  return out;
}

// An outline's SVG path data, formatted once per outline (glyphs recur in every render at their size).
const SVG_PATHS = new WeakMap<readonly Seg[], string>();
function cachedSvgPath(d: readonly Seg[]): string {
  let path = SVG_PATHS.get(d);
  if (path === undefined) SVG_PATHS.set(d, (path = svgPath(d)));
  return path;
}

// Each outline once in <defs>, each mark a <use> with its transform.
function svgMarks(marks: readonly Mark[]): string {
  if (marks.length === 0) return '';
  const { outlines, index } = markOutlines(marks);
  const defs = outlines.map((d, i) => `<path id="g${i}" fill-rule="evenodd" d="${cachedSvgPath(d)}"/>`).join('');
  const uses = marks.map(
    (m, i) => `<use href="#g${index[i]}" fill="${m.fill}" transform="matrix(${m.at.map(fmt).join(' ')})"/>`,
  );
  return `<defs>${defs}</defs>${uses.join('')}`;
}

/** A drawing as an SVG document (pixel width/height, even-odd fills, pictures as PNG data URIs). */
export function drawingToSvg(dr: Drawing, crisp = false): string {
  const shapes = dr.shapes
    .filter((s) => s.d.length > 0 || (s.rects?.length ?? 0) > 0)
    .map((s) => `<path fill="${s.fill}" fill-rule="evenodd" d="${svgPath(s.d, s.rects)}"/>`);
  shapes.push(svgMarks(dr.marks ?? []));
  const pics = dr.pictures.map(
    (p) =>
      `<image x="${fmt(p.x)}" y="${fmt(p.y)}" width="${fmt(p.width)}" height="${fmt(p.height)}" href="data:image/png;base64,${p.png.toString('base64')}"/>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${dr.width}" height="${dr.height}" viewBox="0 0 ${dr.width} ${dr.height}"${crisp ? ' shape-rendering="crispEdges"' : ''}>` +
    `<rect width="${dr.width}" height="${dr.height}" fill="${dr.background}"/>${shapes.join('')}${pics.join('')}</svg>\n`
  );
}

// A <defs> outline (a glyph) as read back: the same few recur in every render, each parsed once. Read only.
const OUTLINES_KEPT = 1024;
const parsedOutline = memoOfText(parsePath, OUTLINES_KEPT);

/** Reads an SVG written by drawingToSvg back into its drawing (pixel units from the viewBox). */
export function svgToDrawing(svg: string): Drawing {
  const box = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  const background = /<rect [^>]*fill="(#[0-9a-f]{6})"/.exec(svg)?.[1] ?? '#ffffff';
  const shapes: Shape[] = [];
  // Each <use> stays a mark: a reader places the outline only where it crosses what it reads.
  const marks: Mark[] = [];
  const defs = new Map<string, Seg[]>();
  for (const m of svg.matchAll(PATH)) {
    const attrs = Object.fromEntries([...(m[1] ?? '').matchAll(ATTR)].map((a) => [a[1], a[2]]));
    if (attrs.id !== undefined) defs.set(attrs.id, parsedOutline(attrs.d ?? ''));
    else {
      const { d, rects } = parseShape(attrs.d ?? '');
      shapes.push(
        rects.length > 0 ? { fill: attrs.fill ?? '#000000', d, rects } : { fill: attrs.fill ?? '#000000', d },
      );
    }
  }
  for (const m of svg.matchAll(USE)) {
    const attrs = Object.fromEntries([...(m[1] ?? '').matchAll(ATTR)].map((a) => [a[1], a[2]]));
    const d = defs.get((attrs.href ?? '').replace(/^#/, ''));
    const at = numbers(/matrix\(([^)]*)\)/.exec(attrs.transform ?? '')?.[1] ?? '1 0 0 1 0 0');
    if (d && at.length === 6) marks.push({ fill: attrs.fill ?? '#000000', d, at: at as Affine });
  }
  const [width, height] = [Number(box?.[1] ?? 0), Number(box?.[2] ?? 0)];
  return { width, height, background, shapes, pictures: [], ...(marks.length > 0 ? { marks } : {}) };
}
