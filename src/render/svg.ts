// SVG for module matrices: a background rect and one path of horizontal runs, crisp edges.
import type { Layout, Matrix } from './matrix.ts';
import { matrixRects } from './vector.ts';

/** Encodes the matrix as an SVG document with explicit pixel width/height and viewBox. */
export function encodeSvg(m: Matrix, l: Layout, foreground: string, background: string): string {
  const rects = matrixRects(m, l);
  const parts: string[] = [];
  for (let i = 0; i < rects.length; i += 4) {
    const w = rects[i + 2]!;
    parts.push(`M${rects[i]} ${rects[i + 1]}h${w}v${rects[i + 3]}h-${w}z`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" shape-rendering="crispEdges">` +
    `<rect width="${l.width}" height="${l.height}" fill="${background}"/>` +
    `<path fill="${foreground}" d="${parts.join('')}"/></svg>\n`
  );
}
