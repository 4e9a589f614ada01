import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { loadVerifier } from '../../../src/render/decoder.ts';
import { render } from '../../../src/render/index.ts';
import { pngDpi } from '../../../src/render/raster.ts';
import { decodePixels, moduleCentres } from '../../../src/render/verify.ts';
import { decode } from '../../support/decode.ts';
import { rasterizePdf } from '../../support/vector-readers.ts';

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

function issuesOf(body: Record<string, unknown>) {
  const r = normalizeRenderSpec(body);
  return r.ok ? [] : r.issues;
}

const verify = async (s: RenderSpec, rendered: { bytes: Buffer; contentType: string }) =>
  (await loadVerifier())(s, rendered);
const logo = (colour: string) =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: colour } })
    .png()
    .toBuffer()
    .then((b) => b.toString('base64'));

describe('print sizing', () => {
  it('EAN-13 at x_dim_mm 0.33 and 300 dpi snaps to 4 dots per module and says so', async () => {
    const s = spec({ symbology: 'ean13', data: '4006381333931', x_dim_mm: 0.33, dpi: 300 });
    expect(s.options).toMatchObject({ scale: 4, dpi: 300, x_dim_mm: 0.33 });
    const r = await render(s);
    // EAN-13 is 95 modules plus an 11-module quiet zone each side: at least 117 modules of 4 dots.
    expect(r.width).toBeGreaterThanOrEqual(117 * 4);
    expect(r.print).toEqual({
      dpi: 300,
      dots_per_module: 4,
      x_dim_mm: 0.339,
      requested_x_dim_mm: 0.33,
      width_mm: Math.round((r.width * 25.4 * 1000) / 300) / 1000,
      height_mm: Math.round((r.height * 25.4 * 1000) / 300) / 1000,
    });
    expect(pngDpi(r.bytes)).toBeCloseTo(300, 0);
    expect(await verify(s, r)).toMatchObject({ verified: true });
  });

  it('JPEG carries the density, SVG and PDF the physical size', async () => {
    const jpeg = await render(spec({ data: 'print me', format: 'jpeg', x_dim_mm: 0.5, dpi: 600 }));
    expect((await sharp(jpeg.bytes).metadata()).density).toBe(600);
    const svg = await render(spec({ data: 'print me', format: 'svg', x_dim_mm: 0.5, dpi: 600 }));
    expect(svg.bytes.toString()).toMatch(
      new RegExp(`width="${svg.print!.width_mm}mm" height="${svg.print!.height_mm}mm"`),
    );
    const pdf = await render(spec({ data: 'print me', format: 'pdf', x_dim_mm: 0.5, dpi: 600 }));
    // The page size as MuPDF reads it: one page, the symbol's physical size.
    const page = rasterizePdf(pdf.bytes);
    expect(page.pages).toBe(1);
    expect(page.widthPt).toBeCloseTo((pdf.print!.width_mm / 25.4) * 72, 1);
    expect(page.heightPt).toBeCloseTo((pdf.print!.height_mm / 25.4) * 72, 1);
  });

  it('a module that would need more dots than the scale limit is refused', () => {
    expect(issuesOf({ data: 'x', x_dim_mm: 5, dpi: 2400 })[0]?.path).toBe('x_dim_mm');
    expect(issuesOf({ data: 'x', x_dim_mm: 0.3, scale: 4 })[0]?.path).toBe('x_dim_mm');
  });
});

describe('verification', () => {
  it('catches bytes that scan as something else', async () => {
    const asked = spec({ data: 'https://example.com/a' });
    const delivered = await render(spec({ data: 'https://example.com/b' }));
    const v = await verify(asked, delivered);
    expect(v).toMatchObject({ verified: false, decoded_text: 'https://example.com/b' });
    expect(v.message).toMatch(/differs from the requested data/);
  });

  it('reads a plain QR PNG at its module centres, and only on its own grid', async () => {
    await loadVerifier();
    for (const body of [
      { data: 'centres' },
      { data: 'centres', size: 301 },
      { symbology: 'datamatrix', data: 'CENTRES', scale: 5 },
    ]) {
      const r = await render(spec(body));
      expect(r.grid).toBeDefined();
      const sampled = moduleCentres(r.bytes, r.grid!)!;
      expect(sampled.width).toBe(Math.floor((r.width - (r.grid!.left % r.grid!.scale)) / r.grid!.scale));
      expect((await decodePixels(sampled, [], false))[0]?.text).toBe(body.data);
      // At the wrong pitch or offset the cells are not one colour each: the centre read declines (and the
      // full-image read decides), instead of reading samples that drifted off the modules.
      expect(moduleCentres(r.bytes, { ...r.grid!, scale: r.grid!.scale + 1 })).toBeUndefined();
      expect(moduleCentres(r.bytes, { ...r.grid!, left: r.grid!.left + 1 })).toBeUndefined();
    }
    // Styled and rotated renders carry no grid: they are read whole. Every format of a plain one does.
    expect((await render(spec({ data: 'x', module_style: 'dots' }))).grid).toBeUndefined();
    expect((await render(spec({ data: 'x', rotate: 90 }))).grid).toBeUndefined();
    expect((await render(spec({ data: 'x', format: 'pdf' }))).grid).toEqual((await render(spec({ data: 'x' }))).grid);
  });

  it('catches an image with no readable symbol', async () => {
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    expect(await verify(spec({ data: 'x' }), { bytes: blank, contentType: 'image/png' })).toMatchObject({
      verified: false,
      decoded_text: null,
      message: expect.stringMatching(/no barcode/),
    });
  });

  it('catches a GS1 symbol whose FNC1 was lost', async () => {
    const asked = spec({ symbology: 'gs1-128', data: '(01)09506000134352(10)AB' });
    const plain = await render(spec({ symbology: 'code128', data: '010950600013435210AB' }));
    expect((await verify(asked, plain)).verified).toBe(false);
  });

  it('a logo over 60% of the code is refused before it can be drawn', async () => {
    const issues = issuesOf({ data: 'https://example.com', logo: await logo('#d00000'), logo_size: 0.6 });
    expect(issues).toEqual([{ path: 'logo_size', message: expect.stringMatching(/at most 0.3/) }]);
  });

  it('a code drawn with a logo covering 60% of it does not verify', async () => {
    // What the limit protects against, drawn anyway: the verifier is what makes it a failed code.
    const s = spec({ data: 'https://example.com/products/12345', logo: await logo('#000000'), logo_size: 0.3 });
    const oversized = { ...s, options: { ...s.options, logo_size: 0.6 } };
    expect((await verify(oversized, await render(oversized))).verified).toBe(false);
  });

  it('refuses low contrast unless allowed, and what is allowed is still verified', () => {
    expect(issuesOf({ data: 'x', foreground: '#999999', background: '#aaaaaa' })).toEqual([
      { path: 'foreground', message: expect.stringMatching(/contrast .* is 1\.\d\d:1; at least 3:1/) },
    ]);
    expect(
      spec({ data: 'x', foreground: '#999999', background: '#aaaaaa', allow_low_contrast: true, verify: false }).options
        .verify,
    ).toBe(true);
  });
});

describe('styled QR still scans', () => {
  for (const format of ['png', 'svg', 'webp', 'jpeg', 'pdf'] as const) {
    it(`rounded modules, dot finders and colours in ${format}`, async () => {
      const s = spec({
        data: 'https://example.com/styled',
        format,
        module_style: 'rounded',
        finder_style: 'dot',
        foreground: '#1a237e',
        background: '#fffde7',
      });
      expect(s.options.ecc).toBe('H');
      const r = await render(s);
      expect(await verify(s, r)).toMatchObject({ verified: true });
      // and as another reader sees it (MuPDF draws the PDF).
      expect((await decode(r.bytes, r.contentType)).map((d) => d.text)).toEqual(['https://example.com/styled']);
    });
  }

  for (const format of ['png', 'svg', 'webp', 'jpeg'] as const) {
    it(`dots with a centred logo in ${format}`, async () => {
      const s = spec({
        data: 'https://example.com/logo',
        format,
        module_style: 'dots',
        logo: await logo('#d00000'),
        logo_size: 0.25,
      });
      expect(s.options).toMatchObject({ ecc: 'H', verify: true });
      const r = await render(s);
      expect(await verify(s, r)).toMatchObject({ verified: true });
      // The logo is really there: the centre pixel is the logo's red.
      const { data, info } = await sharp(r.bytes, { density: 72 })
        .flatten({ background: '#ffffff' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
      expect([data[at]! > 180, data[at + 1]! < 60, data[at + 2]! < 60]).toEqual([true, true, true]);
      expect((await decode(r.bytes, r.contentType))[0]?.text).toBe('https://example.com/logo');
    });
  }

  it('a logo that is not an image, or too many pixels, is refused', async () => {
    expect(issuesOf({ data: 'x', logo: Buffer.from('hello').toString('base64') })).toEqual([
      { path: 'logo', message: 'must be a PNG, JPEG or SVG image' },
    ]);
    const huge = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>',
    ).toString('base64');
    await expect(render(spec({ data: 'x', logo: huge }))).rejects.toMatchObject({
      issues: [{ path: 'logo', message: expect.stringMatching(/logo/) }],
    });
  });
});
