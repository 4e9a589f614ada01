// SVG for module matrices: a background rect and one path of horizontal runs, crisp edges.
import type { Layout, Matrix } from './matrix.ts';

/** Encodes the matrix as an SVG document with explicit pixel width/height and viewBox. */
export function encodeSvg(m: Matrix, l: Layout, foreground: string, background: string): string {
  const s = l.scale;
  const parts: string[] = [];
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
      parts.push(`M${l.left + start * s} ${l.top + r * s}h${(c - start) * s}v${s}h-${(c - start) * s}z`);
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" shape-rendering="crispEdges">` +
    `<rect width="${l.width}" height="${l.height}" fill="${background}"/>` +
    `<path fill="${foreground}" d="${parts.join('')}"/></svg>\n`
  );
}
