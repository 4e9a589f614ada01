// Linear symbols in SVG, PDF and EPS: each distinct glyph outline is written once (SVG defs, a PDF form
// XObject, an EPS procedure) and placed per character; turned symbols still read in the independent engines.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { render } from '../../../src/render/index.ts';
import { PDF_FLATE_MIN_BYTES } from '../../../src/render/pdf.ts';
import { decode } from '../../support/decode.ts';

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

const DATA = '4006381333931'; // 13 characters, 7 distinct digits
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('glyphs defined once in the vector formats', () => {
  it('SVG: one path in defs per distinct digit, one use per character', async () => {
    const svg = (await render(spec({ symbology: 'ean13', data: DATA, format: 'svg' }))).bytes.toString('utf8');
    expect(count(svg, /<path id="g\d+"/g)).toBe(7);
    expect(count(svg, /<use /g)).toBe(13);
  });

  it('PDF: one form XObject per distinct digit, placed once per character', async () => {
    const pdf = (await render(spec({ symbology: 'ean13', data: DATA, format: 'pdf' }))).bytes;
    const text = pdf.toString('latin1');
    expect(count(text, /\/Subtype \/Form/g)).toBe(7);
    // The page's operators, a kilobyte: written as they are, under PDF_FLATE_MIN_BYTES.
    const page = /\n4 0 obj\n<< \/Length (\d+) >>\nstream\n/.exec(text)!;
    const start = page.index + page[0].length;
    expect(count(text.slice(start, start + Number(page[1])), / Do /g)).toBe(13);
  });

  it('PDF: a content stream of PDF_FLATE_MIN_BYTES or more is compressed, a shorter one is not', async () => {
    const pageOf = async (body: Record<string, unknown>) => {
      const pdf = (await render(spec({ ...body, format: 'pdf' }))).bytes;
      const text = pdf.toString('latin1');
      const at = text.indexOf('\n4 0 obj\n');
      const dict = text.slice(at, text.indexOf('stream\n', at));
      const start = text.indexOf('stream\n', at) + 7;
      const data = pdf.subarray(start, start + Number(/\/Length (\d+)/.exec(dict)![1]));
      return { flate: dict.includes('/FlateDecode'), ops: dict.includes('/FlateDecode') ? inflateSync(data) : data };
    };
    const qr = await pageOf({ data: 'https://example.com/products/widgets?id=123456' });
    expect(qr.flate).toBe(true);
    expect(qr.ops.length).toBeGreaterThanOrEqual(PDF_FLATE_MIN_BYTES);
    const ean = await pageOf({ symbology: 'ean13', data: DATA });
    expect(ean.flate).toBe(false);
    expect(ean.ops.length).toBeLessThan(PDF_FLATE_MIN_BYTES);
    expect(ean.ops.toString('latin1')).toMatch(/ re\n/);
  });

  it('EPS: one procedure per distinct digit, called once per character', async () => {
    const eps = (await render(spec({ symbology: 'ean13', data: DATA, format: 'eps' }))).bytes.toString('latin1');
    expect(count(eps, /^\/G\d+ \{$/gm)).toBe(7);
    expect(count(eps, / concat G\d+ grestore/g)).toBe(13);
  });

  for (const format of ['svg', 'pdf', 'eps'] as const)
    it(`a turned EAN-13 ${format} reads in librsvg, MuPDF and Ghostscript`, async () => {
      for (const rotate of [90, 180, 270]) {
        const r = await render(spec({ symbology: 'ean13', data: DATA, format, rotate }));
        expect(
          (await decode(r.bytes, r.contentType)).map((d) => d.text),
          `${rotate}`,
        ).toContain(DATA);
      }
    });
});
