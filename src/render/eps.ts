// Encapsulated PostScript (EPSF-3.0) with the same painting operators as the PDF writer, bound to their
// PostScript names in a small prolog; each distinct glyph outline is a procedure defined there once.
import { markOps, outlineOps, paintOps, readPaintOps } from './paint.ts';
import type { Drawing } from './vector.ts';

const pt = (n: number) => Number(n.toFixed(4)).toString();

/** The drawing as EPS at `dpi` (72 dpi: one pixel per point). */
export function drawingToEps(dr: Drawing, dpi: number): Buffer {
  const k = 72 / dpi;
  const w = dr.width * k;
  const h = dr.height * k;
  const marks = markOps(dr.marks ?? [], (id, at) => `gsave [ ${at} ] concat G${id} grestore`);
  const procs = marks.outlines.map((d, i) => `/G${i} {\n${outlineOps(d)}f*\n} bind def`);
  return Buffer.from(
    [
      '%!PS-Adobe-3.0 EPSF-3.0',
      `%%BoundingBox: 0 0 ${Math.ceil(w)} ${Math.ceil(h)}`,
      `%%HiResBoundingBox: 0 0 ${pt(w)} ${pt(h)}`,
      `%%PixelSize: ${dr.width} ${dr.height}`,
      '%%Creator: codegen-platform',
      '%%Pages: 1',
      '%%EndComments',
      '%%BeginProlog',
      '/m {moveto} bind def /l {lineto} bind def /c {curveto} bind def /h {closepath} bind def',
      '/f* {eofill} bind def /rg {setrgbcolor} bind def',
      '/re {4 2 roll moveto 1 index 0 rlineto 0 exch rlineto neg 0 rlineto closepath} bind def',
      ...procs,
      '%%EndProlog',
      'gsave',
      `0 ${pt(h)} translate ${pt(k)} ${pt(-k)} scale`,
      '%%BeginPaint',
      `${paintOps(dr, 'f*')}${marks.ops}`.trimEnd(),
      '%%EndPaint',
      'grestore',
      'showpage',
      '%%EOF',
      '',
    ].join('\n'),
    'latin1',
  );
}

/** Reads EPS written by drawingToEps back into its drawing (pixel units). */
export function epsToDrawing(eps: Buffer): Drawing {
  const text = eps.toString('latin1');
  const size = /%%PixelSize: (\d+) (\d+)/.exec(text);
  const body = text.slice(text.indexOf('%%BeginPaint') + 12, text.indexOf('%%EndPaint'));
  const procs = new Map([...text.matchAll(/^\/(G\d+) \{\n([^}]*)\} bind def$/gm)].map((m) => [m[1]!, m[2]!]));
  return readPaintOps(body, Number(size?.[1] ?? 0), Number(size?.[2] ?? 0), 'f*', (name) => procs.get(name));
}
