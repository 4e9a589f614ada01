// A minimal vector PDF 1.4: one page sized to the symbol at the requested dpi, one content stream of
// filled paths, and each distinct glyph outline once as a form XObject the page places (its compressed
// stream kept across renders). No dates or ids, so the same drawing gives the same bytes.
import { deflateFast, inflateAtMost } from './flate.ts';
import { MEMO_TEXT_MAX, memoOfText } from './memo.ts';
import { markOps, outlineOps, paintOps, readPaintOps } from './paint.ts';
import type { Drawing, Seg } from './vector.ts';

const pt = (n: number) => Number(n.toFixed(4)).toString();

/**
 * Content streams shorter than this are written uncompressed: a deflate costs a fixed amount per call
 * (a zlib stream and its state) that was most of the writer's time for a linear symbol's kilobyte of
 * operators, and saves only a few hundred bytes of a file its glyph forms make several kilobytes.
 */
export const PDF_FLATE_MIN_BYTES = 2048;

// A form's compressed content and bounding box, per outline.
const FORMS = new WeakMap<readonly Seg[], { stream: Buffer; bbox: string }>();
function formOf(d: readonly Seg[]): { stream: Buffer; bbox: string } {
  let form = FORMS.get(d);
  if (!form) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const s of d)
      for (let i = 1; i < s.length; i += 2) {
        xs.push(s[i] as number);
        ys.push(s[i + 1] as number);
      }
    const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const bbox = box.map((v, i) => (i < 2 ? Math.floor(v) - 1 : Math.ceil(v) + 1)).join(' ');
    form = { stream: deflateFast(Buffer.from(`${outlineOps(d)}f*`, 'latin1')), bbox: xs.length > 0 ? bbox : '0 0 0 0' };
    FORMS.set(d, form);
  }
  return form;
}

/** The drawing as a PDF page of width x height pixels at `dpi` (72 dpi: one pixel per point). */
export function drawingToPdf(dr: Drawing, dpi: number): Buffer {
  const k = 72 / dpi;
  const w = dr.width * k;
  const h = dr.height * k;
  const marks = markOps(dr.marks ?? [], (id, at) => `q ${at} cm /G${id} Do Q`);
  const ops = Buffer.from(`${pt(k)} 0 0 ${pt(-k)} 0 ${pt(h)} cm\n${paintOps(dr, 'f*')}${marks.ops}`, 'latin1');
  const flate = ops.length >= PDF_FLATE_MIN_BYTES;
  const content = flate ? deflateFast(ops) : ops;
  const xobjects = marks.outlines.map((_, i) => `/G${i} ${5 + i} 0 R`).join(' ');
  const resources = xobjects === '' ? '<< >>' : `<< /XObject << ${xobjects} >> >>`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pt(w)} ${pt(h)}] /Contents 4 0 R /Resources ${resources} >>`,
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
  const stream = (n: number, dict: string, data: Buffer, flate = true) => {
    offsets.push(length);
    const filter = flate ? ' /Filter /FlateDecode' : '';
    push(Buffer.from(`${n} 0 obj\n<< ${dict}/Length ${data.length}${filter} >>\nstream\n`, 'latin1'));
    push(data);
    push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  };
  stream(4, '', content, flate);
  marks.outlines.forEach((d, i) => {
    const form = formOf(d);
    stream(5 + i, `/Type /XObject /Subtype /Form /BBox [${form.bbox}] `, form.stream);
  });
  const xref = length;
  const entries = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const size = offsets.length + 1;
  push(
    Buffer.from(
      `xref\n0 ${size}\n0000000000 65535 f \n${entries}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

// A compressed stream's text: a form (a glyph outline) recurs in every render at its size, inflated once.
const FORMS_KEPT = 1024;
// A stream inflates to at most this much, a form kept in the memo to at most MEMO_TEXT_MAX characters (a
// glyph's operators are a kilobyte or two; a larger one is inflated each time): our writers' streams are a
// few kilobytes, and a reader must not be made to hold a bomb's worth.
const STREAM_MAX_BYTES = 1 << 24;
const inflated = (data: Uint8Array, max = STREAM_MAX_BYTES) => inflateAtMost(data, max).toString('latin1');
const inflatedForm = memoOfText((data) => inflated(Buffer.from(data, 'latin1'), MEMO_TEXT_MAX), FORMS_KEPT);

// Object n's stream, inflated when its dictionary says it is compressed (through the memo when `recurs`).
function streamOf(pdf: Buffer, text: string, n: number, recurs = false): string | undefined {
  const at = text.indexOf(`\n${n} 0 obj\n`);
  if (at < 0) return undefined;
  const start = text.indexOf('stream\n', at) + 'stream\n'.length;
  const dict = text.slice(at, start);
  const length = Number(/\/Length (\d+)/.exec(dict)?.[1] ?? 0);
  if (!dict.includes('/FlateDecode')) return text.slice(start, start + length);
  const data = pdf.subarray(start, start + length);
  // A form larger than the memo keeps is inflated as any stream; one zlib cannot read, or larger than
  // STREAM_MAX_BYTES, reads as nothing.
  const read = (inflate: () => string) => {
    try {
      return inflate();
    } catch {
      return undefined;
    }
  };
  return (
    (recurs ? read(() => inflatedForm(text.slice(start, start + length))) : undefined) ?? read(() => inflated(data))
  );
}

/** Reads a PDF written by drawingToPdf back into its drawing (pixel units). */
export function pdfToDrawing(pdf: Buffer): Drawing {
  const text = pdf.toString('latin1');
  const body = streamOf(pdf, text, 4) ?? '';
  const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text);
  const k = Number(/^([\d.]+) 0 0/.exec(body)?.[1] ?? 1);
  const ops = body.slice(body.indexOf('cm\n') + 3);
  const forms = /\/XObject << ([^>]*) >>/.exec(text)?.[1] ?? '';
  const form = (name: string) => {
    const n = new RegExp(`/${name} (\\d+) 0 R`).exec(forms)?.[1];
    return n === undefined ? undefined : streamOf(pdf, text, Number(n), true);
  };
  return readPaintOps(ops, Math.round(Number(box?.[1] ?? 0) / k), Math.round(Number(box?.[2] ?? 0) / k), 'f*', form);
}
