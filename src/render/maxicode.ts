// MaxiCode drawn by us: BWIPP encodes (bwip-js raw() gives the dark hexagons' indices), and the hexagons and
// the bullseye are placed and filled as bwip-js 4 does (its showmaxicode geometry at an integer scale, its
// scanline hexagons and midpoint ellipses), into a 1-bit bitmap or as a vector drawing.
import bwipjs from 'bwip-js';
import type { RenderSpec, Rotation } from '../domain/render-spec.ts';
import { createBitmap, rotateBitmap, type Bitmap } from './bitmap.ts';
import type { EncodeFailure } from './qr.ts';
import type { Drawing, Seg } from './vector.ts';

/** Padding in pixels around the symbol. */
export type MaxiFrame = { scale: number; left: number; right: number; top: number; bottom: number };
type Point = [number, number];
/** The laid-out symbol in image pixels (unrotated): hexagons as six points, rings as ellipse pairs. */
export type MaxiLayout = {
  width: number;
  height: number;
  hexagons: Point[][];
  rings: { x: number; y: number; outer: [number, number]; inner: [number, number] }[];
  frame: MaxiFrame;
};

/** The dark hexagons of a mode-4 MaxiCode (index = column + 30 x row). */
export function encodeMaxicode(data: string): number[] {
  const [first] = bwipjs.raw('maxicode', data, { mode: 4 } as never) as unknown as { pixs?: number[] }[];
  if (!first?.pixs) throw new Error('bwip-js returned no MaxiCode');
  return first.pixs;
}

const RINGS = [
  [0.5774, 1.3359],
  [2.1058, 2.8644],
  [3.6229, 4.3814],
] as const;

/** Where every hexagon and ring lands at `frame.scale` pixels per bwip-js unit. */
export function layoutMaxicode(pixs: readonly number[], frame: MaxiFrame): MaxiLayout {
  const t = frame.scale;
  const twidth = 1.04 * t * 100;
  let mwidth = (twidth / 30) | 0;
  if (twidth - (mwidth * 30 - 1) > 9) mwidth++;
  const wgap = (t / 2) | 0;
  const hgap = (t / 2) | 0;
  let w = mwidth - wgap;
  if (w & 1) w--;
  const h = ((4 * t) | 0) - hgap;
  const w2 = w / 2 - 1;
  const qh = ((w2 + 1) / 2) | 0;
  const vh = h - 2 - 2 * qh;
  const maxx = Math.ceil(mwidth * 30 - wgap);
  const maxy = Math.ceil(t * 3 * 32 + t * 4 - hgap);
  const hexagons = pixs.map((c) => {
    const x = ((c % 30) * mwidth + (((c / 30) | 0) & 1 ? mwidth : mwidth / 2)) | 0;
    // Built bottom up (PostScript's y) so that the drawing runs top down, as bwip-js builds them.
    const y = ((33 - ((c / 30) | 0)) * t * 3 + t * 2 - h / 2) | 0;
    const pts: Point[] = [
      [x - 0.5, y],
      [x - 1 - w2, y - qh],
      [x - 1 - w2, y - qh - 1 - vh],
      [x - 0.5, y - 2 * qh - vh - 1],
      [x + w2, y - qh - vh - 1],
      [x + w2, y - qh],
    ];
    return pts.map(([px, py]): Point => [px, maxy - py]);
  });
  const cx = (14 * mwidth + mwidth / 2 + 0.01) | 0;
  const cy = ((12 * 4 + 3) * t - qh / 2 + 0.01) | 0;
  const r = (k: number): [number, number] => [(k * 3.5 * t + 0.01) | 0, (k * 3.5 * t + 0.01) | 0];
  const rings = RINGS.map(([inner, outer]) => ({ x: cx, y: cy, inner: r(inner), outer: r(outer) }));
  return {
    width: maxx + 1 + frame.left + frame.right,
    height: maxy + 1 + frame.top + frame.bottom,
    hexagons,
    rings,
    frame,
  };
}

function fillSpan(b: Bitmap, x0: number, x1: number, y: number): void {
  if (y < 0 || y >= b.height) return;
  for (let x = Math.max(0, x0); x <= Math.min(b.width - 1, x1); x++)
    b.bits[y * b.stride + (x >> 3)]! |= 0x80 >> (x & 7);
}

// bwip-js's hexagon(): a two-pixel flat top, widening by two pixels a row to the vertical sides.
function hexShape(pts: Point[], dx: number, dy: number) {
  return {
    x: (pts[0]![0] | 0) + dx,
    y: (pts[0]![1] | 0) + dy,
    qh: (pts[1]![1] - pts[0]![1]) | 0,
    vh: (pts[2]![1] - pts[1]![1] - 1) | 0,
    xl: (pts[2]![0] | 0) + dx,
    xr: (pts[4]![0] | 0) + dx,
  };
}

function hexagon(b: Bitmap, pts: Point[], dx: number, dy: number): void {
  const { x, qh, vh, xl, xr } = hexShape(pts, dx, dy);
  let { y } = hexShape(pts, dx, dy);
  fillSpan(b, x, x + 1, y++);
  for (let k = 1; k < qh; k++) fillSpan(b, x - 2 * k, x + 1 + 2 * k, y++);
  for (let k = 0; k <= vh; k++) fillSpan(b, xl, xr, y++);
  for (let k = qh - 1; k >= 1; k--) fillSpan(b, x - 2 * k, x + 1 + 2 * k, y++);
  fillSpan(b, x, x + 1, y);
}

// bwip-js's drawEllipse(): midpoint ellipse edges, left edges in, right edges one past (even-odd fill).
function ellipseEdges(map: Map<number, number[]>, cx: number, cy: number, rx: number, ry: number): void {
  let [x0, y0, x1, y1] = [(cx - rx) | 0, (cy - ry) | 0, (cx + rx) | 0, (cy + ry) | 0];
  let a = Math.abs(x1 - x0);
  const b = Math.abs(y1 - y0);
  let b1 = b & 1;
  let dx = 4 * (1 - a) * b * b;
  let dy = 4 * (b1 + 1) * a * a;
  let err = dx + dy + b1 * a * a;
  const left = new Map<number, number>();
  const right = new Map<number, number>();
  const minedge = (x: number, y: number) => left.set(y, Math.min(left.get(y) ?? Infinity, x));
  const maxedge = (x: number, y: number) => right.set(y, Math.max(right.get(y) ?? -Infinity, x));
  if (x0 > x1) [x0, x1] = [x1, x1 + a];
  if (y0 > y1) y0 = y1;
  y0 += ((b + 1) / 2) | 0;
  y1 = y0 - b1;
  a *= 8 * a;
  b1 = 8 * b * b;
  do {
    maxedge(x1, y0);
    minedge(x0, y0);
    minedge(x0, y1);
    maxedge(x1, y1);
    const e2 = 2 * err;
    if (e2 >= dx) {
      x0++;
      x1--;
      dx += b1;
      err += dx;
    }
    if (e2 <= dy) {
      y0++;
      y1--;
      dy += a;
      err += dy;
    }
  } while (x0 <= x1);
  while (y0 - y1 < b) {
    maxedge(x1 + 1, y0);
    minedge(x0 - 1, y0++);
    minedge(x0 - 1, y1);
    maxedge(x1 + 1, y1--);
  }
  const add = (y: number, x: number) => map.set(y, [...(map.get(y) ?? []), x]);
  for (const [y, x] of left) add(y, x);
  for (const [y, x] of right) add(y, x + 1);
}

/** The layout's ink in a bitmap, turned by `rotate`. */
export function maxicodeBitmap(l: MaxiLayout, rotate: Rotation): Bitmap {
  const b = createBitmap(l.width, l.height);
  const { left: dx, top: dy } = l.frame;
  for (const pts of l.hexagons) hexagon(b, pts, dx, dy);
  for (const ring of l.rings) {
    const edges = new Map<number, number[]>();
    ellipseEdges(edges, ring.x, ring.y, ...ring.inner);
    ellipseEdges(edges, ring.x, ring.y, ...ring.outer);
    for (const [y, xs] of edges) {
      xs.sort((p, q) => p - q);
      for (let i = 0; i + 1 < xs.length; i += 2) fillSpan(b, xs[i]! + dx, xs[i + 1]! - 1 + dx, y + dy);
    }
  }
  return rotateBitmap(b, rotate);
}

const KAPPA = 0.55228475 - 0.00045;

function ellipse(cx: number, cy: number, rx: number, ry: number): Seg[] {
  const [kx, ky] = [rx * KAPPA, ry * KAPPA];
  return [
    ['M', cx - rx, cy],
    ['C', cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry],
    ['C', cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy],
    ['C', cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry],
    ['C', cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy],
    ['Z'],
  ];
}

/** The layout as a vector drawing (hexagons as polygons, rings as pairs of ellipses, even-odd). */
export function maxicodeDrawing(l: MaxiLayout, rotate: Rotation, foreground: string, background: string): Drawing {
  const { left: dx, top: dy } = l.frame;
  const turned = rotate === 90 || rotate === 270;
  const at = (x: number, y: number): [number, number] =>
    rotate === 90
      ? [l.height - y, x]
      : rotate === 180
        ? [l.width - x, l.height - y]
        : rotate === 270
          ? [y, l.width - x]
          : [x, y];
  const d: Seg[] = [];
  const place = (command: 'M' | 'L', px: number, py: number) => {
    const [ax, ay] = at(px, py);
    d.push([command, ax, ay]);
  };
  for (const pts of l.hexagons) {
    // The outline of the pixels hexagon() fills: flat top and bottom, vertical sides. Placed point by
    // point: a symbol has some 900 hexagons, and arrays per point were most of a vector render.
    const { x, y, qh, vh, xl, xr } = hexShape(pts, dx, dy);
    const bottom = y + 2 * qh + vh + 1;
    place('M', x, y);
    place('L', x + 2, y);
    place('L', xr + 1, y + qh);
    place('L', xr + 1, y + qh + vh + 1);
    place('L', x + 2, bottom);
    place('L', x, bottom);
    place('L', xl, y + qh + vh + 1);
    place('L', xl, y + qh);
    d.push(['Z']);
  }
  for (const ring of l.rings)
    for (const [rx, ry] of [ring.outer, ring.inner])
      for (const s of ellipse(ring.x + dx + 0.5, ring.y + dy + 0.5, rx + 0.5, ry + 0.5))
        d.push(
          s[0] === 'Z'
            ? s
            : s[0] === 'C'
              ? ['C', ...at(s[1], s[2]), ...at(s[3], s[4]), ...at(s[5], s[6])]
              : [s[0], ...at(s[1], s[2])],
        );
  return {
    width: turned ? l.height : l.width,
    height: turned ? l.width : l.height,
    background,
    shapes: [{ fill: foreground, d }],
    pictures: [],
  };
}

function frameAt(margin: number, scale: number, extra = 0): MaxiFrame {
  return {
    scale,
    left: (margin + Math.floor(extra / 2)) * scale,
    right: (margin + Math.ceil(extra / 2)) * scale,
    top: margin * scale,
    bottom: margin * scale,
  };
}

/** Encodes and lays out for the spec's scale, or the largest scale that fits `size` (leftover widens the margin). */
export function planMaxicode(
  spec: RenderSpec,
  defaultScale: number,
): { ok: true; layout: MaxiLayout } | { ok: false; issue: EncodeFailure } {
  let pixs: number[];
  try {
    pixs = encodeMaxicode(spec.data);
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).replace(/^bwipp\.[A-Za-z0-9]+(#\d+)?: /, '');
    return { ok: false, issue: { path: 'data', message: `cannot encode as MaxiCode: ${text}` } };
  }
  const { margin, scale, size } = spec.options;
  if (size === undefined) return { ok: true, layout: layoutMaxicode(pixs, frameAt(margin, scale ?? defaultScale)) };
  const unit = layoutMaxicode(pixs, frameAt(margin, 1)).width;
  const s = Math.floor(size / unit);
  if (s < 1)
    return {
      ok: false,
      issue: { path: 'size', message: `size ${size} is too small for this MaxiCode; it needs at least ${unit} px` },
    };
  const natural = layoutMaxicode(pixs, frameAt(margin, s));
  const extra = Math.max(0, Math.floor((size - natural.width) / s));
  return { ok: true, layout: extra > 0 ? layoutMaxicode(pixs, frameAt(margin, s, extra)) : natural };
}
