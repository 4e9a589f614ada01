import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, FORMATS } from '../../../src/domain/formats.ts';
import { loadVerifier } from '../../../src/render/decoder.ts';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, describeSymbologies, getSymbology } from '../../../src/domain/symbologies.ts';
import type { SymbologyId } from '../../../src/domain/symbologies.ts';
import { preflight, render } from '../../../src/render/index.ts';
import { acceptedTexts } from '../../../src/render/verify.ts';
import { decode, decodeWithAddOn } from '../../support/decode.ts';
import { ADDON, ADDON_IDS, LINEAR_DATA } from './linear-data.ts';

const EXAMPLES = new Map(describeSymbologies().map((d) => [d.id, d.data.example]));

// Sent data without the check digit where the rule computes one, so completion is exercised too.
const SENT: Partial<Record<SymbologyId, string>> = {
  ean13: '400638133393',
  upca: '03600029145',
  itf14: '1540014128876',
  databaromni: '0950600013435',
  'gs1-128': '[01]0950600013435[10]ABC123',
};

// What zxing reports for a symbol: UPC-A comes back as EAN-13 with a leading 0, UPC-E expanded to
// its EAN-13 form; GS1 symbols come back as (AI)value in HRI text mode, like the normalized data.
function expectedText(spec: RenderSpec): string {
  if (spec.symbology === 'upca') return `0${spec.data}`;
  if (spec.symbology === 'upce') return '0012345000065';
  return spec.data;
}

function normalized(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

describe('every symbology renders and verifies in every format', () => {
  for (const id of SYMBOLOGY_IDS) {
    for (const format of FORMATS) {
      it(`${id} ${format}`, async () => {
        const spec = normalized({ symbology: id, format, data: SENT[id] ?? EXAMPLES.get(id) });
        const result = await render(spec);
        expect(result.contentType).toBe(CONTENT_TYPES[format]);
        // The worker's own check: decoded text, symbology and GS1 elements against the spec.
        const verification = await (await loadVerifier())(spec, result);
        expect(verification, JSON.stringify(verification)).toMatchObject({
          verified: true,
          decoded_text: expectedText(spec),
        });
        // And an independent read of every format in the image agrees.
        expect((await decode(result.bytes, result.contentType)).map((d) => d.text)).toContain(expectedText(spec));
      });
    }
  }
});

// MaxiCode among them: zxing reads it upright only, so the verifier turns a turned one back.
describe('every symbology turned 90, 180 and 270 degrees verifies in every format', () => {
  for (const id of SYMBOLOGY_IDS) {
    it(id, async () => {
      const verify = await loadVerifier();
      for (const rotate of [90, 180, 270])
        for (const format of FORMATS) {
          const spec = normalized({ symbology: id, format, rotate, data: SENT[id] ?? EXAMPLES.get(id) });
          const verification = await verify(spec, await render(spec));
          expect(verification, `${rotate} ${format}: ${JSON.stringify(verification)}`).toMatchObject({
            verified: true,
            decoded_text: expectedText(spec),
          });
        }
    });
  }
});

// Without a margin (the caller's layout gives the quiet zone), at sizes that leave no pixel for one, and at
// one pixel a module, turned or not: read as delivered, or as scanned (turned back, inside a quiet zone).
describe('every symbology verifies in every format without a margin and at one pixel a module', () => {
  for (const id of SYMBOLOGY_IDS) {
    it(id, async () => {
      const verify = await loadVerifier();
      let drawn = 0;
      for (const rotate of [0, 90, 180, 270])
        for (const sizing of [{ margin: 0, size: 600 }, { margin: 0, size: 800 }, { margin: 0 }, { scale: 1 }])
          for (const format of FORMATS) {
            const spec = normalized({ symbology: id, format, rotate, ...sizing, data: SENT[id] ?? EXAMPLES.get(id) });
            if (preflight(spec).length > 0) continue; // too small for this symbol
            drawn++;
            const verification = await verify(spec, await render(spec));
            expect(
              verification.verified,
              `${JSON.stringify({ rotate, ...sizing, format })}: ${verification.message}`,
            ).toBe(true);
          }
      expect(drawn).toBeGreaterThan(48);
    });
  }
});

// Limits found by reading what intake accepted: each side of each is drawn and read.
describe('at the edges of what intake accepts', () => {
  const verified = async (body: Record<string, unknown>) => {
    const spec = normalized(body);
    const v = await (await loadVerifier())(spec, await render(spec));
    expect(v, JSON.stringify(body)).toMatchObject({ verified: true });
  };
  it('Code 39 is read as the standard symbology: $ % / + before a letter are characters of their own', async () => {
    for (const data of ['A$OB', '%ZI', 'A/B+C%D$E', '$$%%//++'])
      for (const format of FORMATS) await verified({ symbology: 'code39', data, format });
  });
  it('Codabar with two characters between start and stop', async () => {
    for (const data of ['A12B', 'C-$D', 'D/.A'])
      for (const format of FORMATS) await verified({ symbology: 'codabar', data, format });
  });
  it('an add-on with its text at the shortest bars allowed, at any scale', async () => {
    for (const scale of [1, 2, 3, 5])
      for (const [symbology, data] of [
        ['ean13', '978186197271'],
        ['upca', '71486223116'],
        ['upce', '0803090'],
      ])
        for (const addon of ['52', '52250']) await verified({ symbology, data, addon, scale, bar_height: 13 });
  });
  it('shaped QR modules and finders at 2 px each', async () => {
    for (const style of [
      { module_style: 'rounded' },
      { module_style: 'dots' },
      { finder_style: 'rounded' },
      { finder_style: 'dot' },
    ])
      for (const data of ['call', 'https://example.com/products/widgets?id=123456'])
        for (const format of FORMATS) await verified({ data, ...style, scale: 2, format });
  });
});

// Any spec intake accepts renders and verifies: random symbologies, data and options (sizes, margins, turns,
// dpi and x_dim_mm, text, bar heights, add-ons, shaped QR modules, colours). The sweep that found the limits
// above; a fixed seed, so it reads the same cases every run.
it('random specs that intake and preflight accept render and verify (property, fixed seed)', async () => {
  const verify = await loadVerifier();
  const data: Partial<Record<SymbologyId, fc.Arbitrary<string>>> = {
    ...LINEAR_DATA,
    qrcode: fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }),
    datamatrix: fc.string({ minLength: 1, maxLength: 60 }),
    azteccode: fc.string({ minLength: 1, maxLength: 60 }),
    pdf417: fc.string({ minLength: 1, maxLength: 60 }),
    maxicode: fc.stringMatching(/^[\x20-\x7e]{1,30}$/),
  };
  const body = fc
    .record({
      symbology: fc.constantFrom(...SYMBOLOGY_IDS),
      format: fc.constantFrom(...FORMATS),
      sizing: fc.oneof(
        fc.record({ scale: fc.integer({ min: 1, max: 8 }) }),
        fc.record({ size: fc.integer({ min: 40, max: 1000 }) }),
        fc.record({ x_dim_mm: fc.constantFrom(0.19, 0.25, 0.33, 0.5), dpi: fc.constantFrom(203, 300, 600) }),
      ),
      margin: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      rotate: fc.constantFrom(0, 90, 180, 270),
      include_text: fc.boolean(),
      bar_height: fc.integer({ min: 5, max: 100 }),
      addon: fc.option(ADDON, { nil: undefined }),
      style: fc.option(fc.constantFrom({ module_style: 'dots' }, { finder_style: 'rounded' }), { nil: undefined }),
      colours: fc.constantFrom({}, { foreground: '#1a237e', background: '#ffffcc' }),
    })
    .chain((b) => (data[b.symbology] ?? fc.constant(EXAMPLES.get(b.symbology)!)).map((d) => ({ ...b, data: d })));
  let drawn = 0;
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const sym = getSymbology(b.symbology);
      const request: Record<string, unknown> = {
        symbology: b.symbology,
        data: b.data,
        format: b.format,
        rotate: b.rotate,
        ...b.sizing,
        ...(b.margin === undefined ? {} : { margin: b.margin }),
        ...b.colours,
      };
      if (sym.kind === 'linear') Object.assign(request, { include_text: b.include_text, bar_height: b.bar_height });
      if (sym.extraOptions.includes('addon') && b.addon !== undefined) request.addon = b.addon;
      if (b.symbology === 'qrcode' && b.style) Object.assign(request, b.style);
      const r = normalizeRenderSpec(request);
      if (!r.ok || preflight(r.spec).length > 0) return;
      drawn++;
      const verification = await verify(r.spec, await render(r.spec));
      expect(verification.verified, `${JSON.stringify(request)}: ${verification.message}`).toBe(true);
    }),
    { numRuns: 400, seed: 17 },
  );
  expect(drawn).toBeGreaterThan(300);
}, 120_000);

// Light on dark where the catalog allows it (lightOnDark: the symbology's specification permits reversed
// colours, and intake refuses them for the others) renders and verifies in every format.
describe('light on dark', () => {
  for (const id of SYMBOLOGY_IDS.filter((s) => getSymbology(s).lightOnDark)) {
    it(id, async () => {
      const verify = await loadVerifier();
      for (const format of FORMATS) {
        const spec = normalized({
          symbology: id,
          format,
          data: SENT[id] ?? EXAMPLES.get(id),
          foreground: '#ffffff',
          background: '#1a237e',
        });
        const verification = await verify(spec, await render(spec));
        expect(verification.verified, `${format}: ${JSON.stringify(verification)}`).toBe(true);
      }
    });
  }
});

describe('EAN/UPC add-ons render and verify in every format, main symbol and add-on', () => {
  const CASES = [
    ['ean13', '978186197271', '52250'],
    ['upca', '03600029145', '12'],
    ['upce', '0123456', '05123'],
  ] as const;
  for (const [symbology, data, addon] of CASES) {
    for (const format of FORMATS) {
      it(`${symbology} + ${addon} ${format}`, async () => {
        const spec = normalized({ symbology, format, data, addon });
        const result = await render(spec);
        const verify = await loadVerifier();
        const texts = acceptedTexts(symbology, spec.data).map((t) => t + addon);
        const verification = await verify(spec, result);
        expect(verification, JSON.stringify(verification)).toMatchObject({ verified: true });
        expect(texts).toContain(verification.decoded_text);
        // An independent read (PDF/EPS drawn by MuPDF/Ghostscript) finds the same digits.
        const read = (await decodeWithAddOn(result.bytes, result.contentType)).map((d) => d.text);
        expect(
          read.some((t) => texts.includes(t)),
          `${read} vs ${texts}`,
        ).toBe(true);
        // The same image checked against another add-on, or against one it does not carry, fails.
        const other = addon.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
        const wrong = await verify({ ...spec, options: { ...spec.options, addon: other } }, result);
        expect(wrong).toMatchObject({
          verified: false,
          message: expect.stringMatching(/differs from the requested data and add-on/),
        });
        const plain = await render(normalized({ symbology, format, data }));
        expect(await verify(spec, plain)).toMatchObject({
          verified: false,
          message: 'no barcode with its add-on could be decoded from the rendered image',
        });
      });
    }
  }

  it('random add-ons verify at any scale, rotation and text setting (property)', async () => {
    const verify = await loadVerifier();
    const input = fc
      .constantFrom(...ADDON_IDS)
      .chain((id) => fc.tuple(fc.constant(id), LINEAR_DATA[id]!, ADDON))
      .map(([symbology, data, addon]) => ({ symbology, data, addon }));
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.constantFrom(...FORMATS),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 90, 180, 270),
        fc.boolean(),
        async (body, format, scale, rotate, text) => {
          const spec = normalized({ ...body, format, scale, rotate, include_text: text });
          const verification = await verify(spec, await render(spec));
          expect(verification.verified, `${JSON.stringify(spec)}: ${verification.message}`).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('render options', () => {
  it('QR size is exact and the image is square', async () => {
    for (const size of [100, 257, 300, 1024]) {
      const r = await render(normalized({ data: 'https://example.com/x', size }));
      expect([r.width, r.height]).toEqual([size, size]);
      expect([r.bytes.readUInt32BE(16), r.bytes.readUInt32BE(20)]).toEqual([size, size]);
      expect((await decode(r.bytes, r.contentType))[0]?.text).toBe('https://example.com/x');
    }
  });

  it('QR default is 8 px per module with a 4-module quiet zone', async () => {
    const r = await render(normalized({ data: 'hi' }));
    expect(r.width).toBe((21 + 8) * 8);
  });

  it('rotation, colours and ECC still decode', async () => {
    for (const rotate of [90, 180, 270]) {
      for (const symbology of ['qrcode', 'pdf417', 'code128', 'ean13'] as const) {
        const data = symbology === 'ean13' ? '4006381333931' : 'ROTATE-1';
        const r = await render(
          normalized({
            symbology,
            data,
            rotate,
            foreground: '#123',
            background: '#eeffee',
            ...(symbology === 'qrcode' ? { ecc: 'H', mask: 3 } : {}),
          }),
        );
        expect(
          (await decode(r.bytes, r.contentType)).map((d) => d.text),
          `${symbology} ${rotate}`,
        ).toContain(data);
      }
    }
  });

  it('pdf417 rows are repeated to their full height (no blank pixel rows inside the symbol)', async () => {
    const r = await render(normalized({ symbology: 'pdf417', data: 'Hello', margin: 0, scale: 1 }));
    const { data, info } = await sharp(r.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    for (let y = 0; y < info.height; y++)
      expect(data.subarray(y * info.width, (y + 1) * info.width).includes(0), `row ${y}`).toBe(true);
  });

  it('pdf417 rotated 90 swaps width and height', async () => {
    const flat = await render(normalized({ symbology: 'pdf417', data: 'Hello' }));
    const turned = await render(normalized({ symbology: 'pdf417', data: 'Hello', rotate: 90 }));
    expect([turned.width, turned.height]).toEqual([flat.height, flat.width]);
  });

  it('bwip-drawn symbols with size land within one module of it', async () => {
    const r = await render(normalized({ symbology: 'code128', data: 'ABC-123', size: 400 }));
    expect(r.width).toBeLessThanOrEqual(400);
    expect(r.width).toBeGreaterThan(400 - 10);
  });

  it('same spec gives identical bytes', async () => {
    for (const symbology of ['qrcode', 'datamatrix', 'code128', 'maxicode'] as const) {
      for (const format of FORMATS) {
        const spec = normalized({ symbology, format, data: EXAMPLES.get(symbology) });
        const [a, b] = [await render(spec), await render(spec)];
        expect(a.bytes.equals(b.bytes), `${symbology} ${format}`).toBe(true);
      }
    }
  });
});

// Our WebP and JPEG writers against the PNG of the same symbol, decoded by libvips: WebP is lossless and
// must match every pixel; JPEG (quality 95, restart intervals per row of blocks) stays within 40 levels.
describe('WebP and JPEG show the PNG of the same symbol', () => {
  const pixels = async (bytes: Buffer) => sharp(bytes).removeAlpha().raw().toBuffer();
  for (const id of SYMBOLOGY_IDS)
    it(id, async () => {
      for (const extra of [{}, { rotate: 90, foreground: '#123456', background: '#eeffee' }]) {
        const body = { symbology: id, data: EXAMPLES.get(id), ...extra };
        const png = await pixels((await render(normalized({ ...body, format: 'png' }))).bytes);
        const webp = await pixels((await render(normalized({ ...body, format: 'webp' }))).bytes);
        const jpeg = await pixels((await render(normalized({ ...body, format: 'jpeg' }))).bytes);
        expect(webp.equals(png), `${JSON.stringify(extra)} webp`).toBe(true);
        let worst = 0;
        for (let i = 0; i < png.length; i++) worst = Math.max(worst, Math.abs(png[i]! - jpeg[i]!));
        expect(worst, `${JSON.stringify(extra)} jpeg`).toBeLessThanOrEqual(40);
      }
    });
});
