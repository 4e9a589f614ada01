// Styled QR: rounded or dot modules, finder pattern styles and a centred logo, drawn as a vector drawing
// (raster formats rasterize that drawing). The three finders are found by their pattern, so rotation is free.
import sharp from 'sharp';
import type { RenderOptions } from '../domain/render-spec.ts';
import type { Layout, Matrix } from './matrix.ts';
import { circle, rect, roundRect, type Drawing, type Seg } from './vector.ts';

/** Largest logo the renderer will decode (sharp's limitInputPixels): 16 megapixels. */
export const LOGO_MAX_PIXELS = 4096 * 4096;

const FINDER = ['1111111', '1000001', '1011101', '1011101', '1011101', '1000001', '1111111'];

function isFinderAt(m: Matrix, r0: number, c0: number): boolean {
  for (let r = 0; r < 7; r++)
    for (let c = 0; c < 7; c++) if (String(m.cells[(r0 + r) * m.cols + c0 + c] ?? 0) !== FINDER[r]![c]) return false;
  return true;
}

/** Top-left cells of the finder patterns (three corners of a QR Code, wherever rotation put them). */
export function finderOrigins(m: Matrix): [number, number][] {
  const corners: [number, number][] = [
    [0, 0],
    [0, m.cols - 7],
    [m.rows - 7, 0],
    [m.rows - 7, m.cols - 7],
  ];
  return corners.filter(([r, c]) => isFinderAt(m, r, c));
}

function finderShapes(style: string, x: number, y: number, s: number): Seg[] {
  const outer = 7 * s;
  if (style === 'square')
    return [
      ...rect(x, y, outer, outer),
      ...rect(x + s, y + s, 5 * s, 5 * s),
      ...rect(x + 2 * s, y + 2 * s, 3 * s, 3 * s),
    ];
  const ring = [...roundRect(x, y, outer, outer, 2 * s), ...roundRect(x + s, y + s, 5 * s, 5 * s, 1.5 * s)];
  const eye =
    style === 'dot'
      ? circle(x + 3.5 * s, y + 3.5 * s, 1.5 * s)
      : roundRect(x + 2 * s, y + 2 * s, 3 * s, 3 * s, 0.75 * s);
  return [...ring, ...eye];
}

/** The styled drawing of a QR matrix (logo not yet placed). */
export function styledQrDrawing(m: Matrix, l: Layout, o: RenderOptions): Drawing {
  const s = l.scale;
  const finders = finderOrigins(m);
  const inFinder = (r: number, c: number) => finders.some(([fr, fc]) => r >= fr && r < fr + 7 && c >= fc && c < fc + 7);
  const modules: Seg[] = [];
  const style = o.module_style ?? 'square';
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      if (m.cells[r * m.cols + c] !== 1 || inFinder(r, c)) continue;
      const x = l.left + c * s;
      const y = l.top + r * s;
      if (style === 'dots') modules.push(...circle(x + s / 2, y + s / 2, s * 0.45));
      else if (style === 'rounded') modules.push(...roundRect(x, y, s, s, s * 0.35));
      else modules.push(...rect(x, y, s, s));
    }
  }
  const finderSegs = finders.flatMap(([r, c]) =>
    finderShapes(o.finder_style ?? 'square', l.left + c * s, l.top + r * s, s),
  );
  return {
    width: l.width,
    height: l.height,
    background: o.background,
    shapes: [{ fill: o.foreground, d: [...modules, ...finderSegs] }],
    pictures: [],
  };
}

/**
 * Places the logo in the centre on a background-coloured pad one module wide. The logo is decoded by
 * sharp with limitInputPixels, scaled to fit (aspect kept) and re-encoded as PNG, so every writer embeds the same pixels.
 */
export async function placeLogo(dr: Drawing, m: Matrix, l: Layout, o: RenderOptions): Promise<Drawing> {
  if (o.logo === undefined) return dr;
  const s = l.scale;
  const symbol = m.cols * s;
  const box = Math.max(1, Math.round(symbol * (o.logo_size ?? 0.2)));
  let png: Buffer;
  try {
    png = await sharp(Buffer.from(o.logo, 'base64'), { limitInputPixels: LOGO_MAX_PIXELS, density: 72 })
      .resize(box, box, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png({ compressionLevel: 9 })
      .toBuffer();
  } catch (err) {
    throw new Error(`logo cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const x = l.left + (symbol - box) / 2;
  const y = l.top + (m.rows * s - box) / 2;
  const pad = { fill: o.background, d: roundRect(x - s, y - s, box + 2 * s, box + 2 * s, s) };
  return { ...dr, shapes: [...dr.shapes, pad], pictures: [{ x, y, width: box, height: box, png }] };
}
