// A laid-out linear symbol drawn two ways from the same layout: into a 1-bit bitmap (PNG, JPEG, WebP)
// and as a vector drawing of rectangles and glyph outlines (SVG, PDF, EPS), so every format has the same
// bars at the same pixels.
import type { Rotation } from '../../domain/render-spec.ts';
import { createBitmap, drawGlyph, fillRects, rotateBitmap, type Bitmap } from '../bitmap.ts';
import { glyph } from '../glyphs.ts';
import type { Drawing, Mark } from '../vector.ts';
import type { LinearLayout } from './layout.ts';

/** The layout's ink in a bitmap, turned by `rotate`. */
export function linearBitmap(l: LinearLayout, rotate: Rotation): Bitmap {
  const b = createBitmap(l.width, l.height);
  fillRects(b, l.rects);
  for (const t of l.text) {
    let x = t.x;
    for (let i = 0; i < t.text.length; i++) {
      const g = glyph(t.font, t.text.charCodeAt(i), t.size);
      drawGlyph(b, g, x, t.y);
      x += g.advance;
    }
  }
  return rotateBitmap(b, rotate);
}

// (x, y) in the unrotated image to the rotated one (turned clockwise), for an image of w x h.
function turn(rotate: Rotation, w: number, h: number): (x: number, y: number) => [number, number] {
  if (rotate === 90) return (x, y) => [h - y, x];
  if (rotate === 180) return (x, y) => [w - x, h - y];
  if (rotate === 270) return (x, y) => [y, w - x];
  return (x, y) => [x, y];
}

/** The layout as a vector drawing in image pixels: one path of bar rectangles, each character a placed glyph outline. */
export function linearDrawing(l: LinearLayout, rotate: Rotation, foreground: string, background: string): Drawing {
  const at = turn(rotate, l.width, l.height);
  const rects: number[] = [];
  for (const r of l.rects) {
    const [x0, y0] = at(r.x, r.y);
    const [x1, y1] = at(r.x + r.w, r.y + r.h);
    rects.push(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
  }
  const marks: Mark[] = [];
  for (const t of l.text) {
    let x = t.x;
    for (let i = 0; i < t.text.length; i++) {
      const g = glyph(t.font, t.text.charCodeAt(i), t.size);
      // The pen position and the unit steps along x and y, turned: the glyph's transform.
      const [e, f] = at(x, t.y);
      const [ax, ay] = at(x + 1, t.y);
      const [cx, cy] = at(x, t.y + 1);
      if (g.outline.length > 0)
        marks.push({ d: g.outline, fill: foreground, at: [ax - e, ay - f, cx - e, cy - f, e, f] });
      x += g.advance;
    }
  }
  const turned = rotate === 90 || rotate === 270;
  return {
    width: turned ? l.height : l.width,
    height: turned ? l.width : l.height,
    background,
    shapes: [{ fill: foreground, d: [], rects }],
    pictures: [],
    marks,
  };
}
