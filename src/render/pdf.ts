// A minimal vector PDF 1.4: one page sized to the symbol at the requested dpi, one Flate content stream
// of filled paths. No dates or ids, so the same drawing gives the same bytes.
import { deflateSync, inflateSync } from 'node:zlib';
import { paintOps, readPaintOps } from './paint.ts';
import type { Drawing } from './vector.ts';

const pt = (n: number) => Number(n.toFixed(4)).toString();

/** The drawing as a PDF page of width x height pixels at `dpi` (72 dpi: one pixel per point). */
export function drawingToPdf(dr: Drawing, dpi: number): Buffer {
  const k = 72 / dpi;
  const w = dr.width * k;
  const h = dr.height * k;
  const content = deflateSync(`${pt(k)} 0 0 ${pt(-k)} 0 ${pt(h)} cm\n${paintOps(dr, 'f*')}`, { level: 1 });
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pt(w)} ${pt(h)}] /Contents 4 0 R /Resources << >> >>`,
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(length);
    push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
  });
  offsets.push(length);
  push(Buffer.from(`4 0 obj\n<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'));
  push(content);
  push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = length;
  const entries = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 5\n0000000000 65535 f \n${entries}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** Reads a PDF written by drawingToPdf back into its drawing (pixel units). */
export function pdfToDrawing(pdf: Buffer): Drawing {
  const text = pdf.toString('latin1');
  const start = text.indexOf('stream\n') + 'stream\n'.length;
  const length = Number(/\/Length (\d+)/.exec(text)?.[1] ?? 0);
  const body = inflateSync(pdf.subarray(start, start + length)).toString('latin1');
  const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text);
  const k = Number(/^([\d.]+) 0 0/.exec(body)?.[1] ?? 1);
  const ops = body.slice(body.indexOf('cm\n') + 3);
  return readPaintOps(ops, Math.round(Number(box?.[1] ?? 0) / k), Math.round(Number(box?.[2] ?? 0) / k), 'f*');
}
