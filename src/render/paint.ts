// The painting operators PDF content streams and PostScript share (m l c h f* / eofill, rg / setrgbcolor),
// written from a drawing and read back into one: verification rasterizes the delivered PDF/EPS from
// these operators, not from a second rendering.
import type { Drawing, Seg, Shape } from './vector.ts';
import { rect } from './vector.ts';

// Three decimals, no trailing zeros: integers (every bar edge) print as they are.
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000));

function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => num(c / 255)).join(' ');
}

/** Operators painting the drawing in its pixel coordinates (the caller sets the transform). */
export function paintOps(dr: Drawing, fillOp: string): string {
  const lines: string[] = [];
  const paint = (s: Shape) => {
    if (s.d.length === 0) return;
    lines.push(`${rgb(s.fill)} rg`);
    let path = '';
    for (const seg of s.d) {
      if (seg[0] === 'Z') path += 'h\n';
      else if (seg[0] === 'C')
        path += `${num(seg[1])} ${num(seg[2])} ${num(seg[3])} ${num(seg[4])} ${num(seg[5])} ${num(seg[6])} c\n`;
      else path += `${num(seg[1])} ${num(seg[2])} ${seg[0] === 'M' ? 'm' : 'l'}\n`;
    }
    lines.push(`${path}${fillOp}`);
  };
  paint({ fill: dr.background, d: rect(0, 0, dr.width, dr.height) });
  for (const s of dr.shapes) paint(s);
  return `${lines.join('\n')}\n`;
}

/** Reads operators written by paintOps back into shapes (background first). */
export function readPaintOps(body: string, width: number, height: number, fillOp: string): Drawing {
  const shapes: Shape[] = [];
  let fill = '#000000';
  let d: Seg[] = [];
  const stack: number[] = [];
  for (const token of body.split(/\s+/)) {
    if (token === '') continue;
    if (/^-?[\d.]+$/.test(token)) {
      stack.push(Number(token));
      continue;
    }
    const a = stack.splice(0);
    if (token === 'rg')
      fill = `#${a
        .map((c) =>
          Math.round(c * 255)
            .toString(16)
            .padStart(2, '0'),
        )
        .join('')}`;
    else if (token === 'm') d.push(['M', a[0]!, a[1]!]);
    else if (token === 'l') d.push(['L', a[0]!, a[1]!]);
    else if (token === 'c') d.push(['C', a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!]);
    else if (token === 'h') d.push(['Z']);
    else if (token === fillOp) {
      shapes.push({ fill, d });
      d = [];
    }
  }
  const [background, ...rest] = shapes;
  return { width, height, background: background?.fill ?? '#ffffff', shapes: rest, pictures: [] };
}
