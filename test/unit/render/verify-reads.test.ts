// The verifier's reduced reads (a linear symbol's scan line, a matrix at its module centres) and its
// reading of zxing's results off the wasm memory: each must never accept what the whole delivered image
// does not show. Tampered images are the delivered PNG's pixels changed and written again as a PNG; the
// render's hints travel with them unchanged, as a wrong drawing would carry right hints.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readBarcodes } from 'zxing-wasm/reader';
import { luma } from '../../../src/domain/colour.ts';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, describeSymbologies } from '../../../src/domain/symbologies.ts';
import { loadVerifier } from '../../../src/render/decoder.ts';
import { render, type RenderResult } from '../../../src/render/index.ts';
import { readPng } from '../../../src/render/png-read.ts';
import { Delivered, lineAt, pngCentres, scannedLines, stridedSamples } from '../../../src/render/reduced-reads.ts';
import { ZXING_FORMATS } from '../../../src/render/verify.ts';
import { readWebp, WEBP_READ_MAX_PX, webpSize } from '../../../src/render/webp-read.ts';
import { decodeGrey, resultLayout } from '../../../src/render/zxing.ts';
import { decode } from '../../support/decode.ts';

const EXAMPLES = new Map(describeSymbologies().map((d) => [d.id, d.data.example]));

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

// The delivered PNG's luminance, changed by `edit`, as a new grey PNG with the render's hints.
async function tampered(r: RenderResult, edit: (grey: Uint8Array, width: number) => void): Promise<RenderResult> {
  const png = readPng(r.bytes)!;
  const grey = png.grey();
  edit(grey, png.width);
  const bytes = await sharp(grey, { raw: { width: png.width, height: png.height, channels: 1 } })
    .png()
    .toBuffer();
  return { ...r, bytes };
}

// Whether an outside reader (libvips' decode, zxing's general detector over the whole image) finds the data.
async function outsideReads(r: RenderResult, data: string): Promise<boolean> {
  return (await decode(r.bytes, r.contentType)).some((d) => d.text === data);
}

describe('reduced reads', () => {
  it("every symbology's plain PNG is read by its reduced read (band or grid), not the full image", async () => {
    for (const id of SYMBOLOGY_IDS) {
      for (const extra of [{}, { scale: 3 }, { margin: 1 }]) {
        const r = await render(spec({ symbology: id, data: EXAMPLES.get(id), ...extra }));
        const png = readPng(r.bytes)!;
        if (r.grid) expect(pngCentres(png, r.grid), `${id} ${JSON.stringify(extra)}`).toBeDefined();
        else if (r.scan)
          expect(await scannedLines(new Delivered(r.bytes, r.contentType), r.scan, [0.5]), id).toBeDefined();
        else expect(id).toBe('maxicode');
      }
    }
    // With an add-on, the band crosses the add-on's bars too (its digits stand above them, outside it).
    for (const symbology of ['ean13', 'upce'] as const) {
      const r = await render(spec({ symbology, data: EXAMPLES.get(symbology), addon: '12345' }));
      expect(await scannedLines(new Delivered(r.bytes, r.contentType), r.scan!, [0.5]), symbology).toBeDefined();
    }
  });

  it('a MaxiCode in PNG, SVG, PDF and EPS reads at every scale-th pixel, not through a rasterizer', async () => {
    await loadVerifier();
    for (const format of ['png', 'svg', 'pdf', 'eps'])
      for (const extra of [{}, { scale: 3 }, { size: 500 }]) {
        const r = await render(spec({ symbology: 'maxicode', data: EXAMPLES.get('maxicode'), format, ...extra }));
        const label = `${format} ${JSON.stringify(extra)}`;
        expect(r.stride, label).toBeGreaterThanOrEqual(2);
        const image = stridedSamples(new Delivered(r.bytes, r.contentType), r.stride!)!;
        const found = decodeGrey(image.grey, image.width, image.height, ZXING_FORMATS.maxicode, false);
        expect(
          found?.map((d) => d.text),
          label,
        ).toEqual([EXAMPLES.get('maxicode')]);
      }
  });

  it('a MaxiCode SVG with hexagons taken out fails verification, strided read or not', async () => {
    const verify = await loadVerifier();
    const s = spec({ symbology: 'maxicode', data: EXAMPLES.get('maxicode'), format: 'svg' });
    const r = await render(s);
    expect((await verify(s, r)).verified).toBe(true);
    // Every third hexagon (an M…Z subpath of eight corners) of the symbol's path dropped.
    let k = 0;
    const svg = r.bytes.toString('utf8').replace(/M[^MZ]*Z/g, (hexagon) => (k++ % 3 === 0 ? '' : hexagon));
    const result = await verify(s, { ...r, bytes: Buffer.from(svg) });
    expect(k).toBeGreaterThan(300);
    expect(result.verified).toBe(false);
  });

  it('ITF-14: the scan band is the rows between the bearer bars, not the bearers over the bars', async () => {
    const r = await render(spec({ symbology: 'itf14', data: EXAMPLES.get('itf14') }));
    const png = readPng(r.bytes)!;
    const dark = (y: number) => png.row(y).filter((v) => v < 128).length;
    // Above the band's first row, and at its last, the bearer: a solid row. Inside, bars and spaces.
    expect(dark(r.scan!.from - 1)).toBeGreaterThan(dark(r.scan!.from));
    expect(dark(r.scan!.to)).toBeGreaterThan(dark(r.scan!.to - 1));
  });

  it('a linear band that differs from its scan line anywhere is left to the full-image read', async () => {
    const s = spec({ symbology: 'code128', data: 'ABC-12345' });
    const r = await render(s);
    const line = Math.floor((r.scan!.from + r.scan!.to) / 2);
    // Bars erased over the band's lower half only: the middle line is intact, the band is not.
    const broken = await tampered(r, (grey, width) => {
      for (let y = line + 1; y < r.scan!.to; y++) grey.fill(255, y * width + 40, y * width + 120);
    });
    expect(await scannedLines(new Delivered(broken.bytes, broken.contentType), r.scan!, [0.5])).toBeUndefined();
    // The verdict is then the full-image read's, as an outside reader's is.
    const v = await (await loadVerifier())(s, broken);
    expect(v.verified).toBe(await outsideReads(broken, s.data));
  });

  it('bars erased across the whole band fail verification', async () => {
    for (const id of ['code128', 'ean13', 'code39', 'itf14'] as const) {
      const s = spec({ symbology: id, data: EXAMPLES.get(id) });
      const r = await render(s);
      const broken = await tampered(r, (grey, width) => {
        const x0 = Math.floor(width * 0.4);
        for (let y = 0; y < r.height; y++) grey.fill(255, y * width + x0, y * width + x0 + Math.floor(width / 8));
      });
      const v = await (await loadVerifier())(s, broken);
      expect(v, id).toMatchObject({ verified: false });
      expect(await outsideReads(broken, s.data), id).toBe(false);
    }
  });

  it('a matrix cell that is not one colour declines the centre read; the verdict is the full read', async () => {
    const s = spec({ data: 'https://example.com/cells' });
    const r = await render(s);
    const { left, top, scale } = r.grid!;
    // One pixel off the centre of one module flipped: a cell of two colours.
    const speck = await tampered(r, (grey, width) => {
      const at = (top + 10 * scale + 1) * width + left + 10 * scale + 1;
      grey[at] = 255 - grey[at]!;
    });
    expect(pngCentres(readPng(speck.bytes)!, r.grid!)).toBeUndefined();
    const v = await (await loadVerifier())(s, speck);
    expect(v.verified).toBe(await outsideReads(speck, s.data));
    expect(v.verified).toBe(true); // one pixel does not stop a scan, and the full read says so
  });

  it('matrix modules flipped beyond what error correction repairs fail verification', async () => {
    for (const body of [{ data: 'https://example.com/flip' }, { symbology: 'datamatrix', data: 'FLIP ME' }]) {
      const s = spec(body);
      const r = await render(s);
      const { left, top, scale } = r.grid!;
      const modules = Math.round((r.width - 2 * left) / scale);
      // Whole modules inverted (every pixel of each: the cells stay one colour, so the centre read is
      // what decides) over a band through the middle of the symbol.
      const flipped = await tampered(r, (grey, width) => {
        for (let m = Math.floor(modules / 3); m < Math.ceil((2 * modules) / 3); m++)
          for (let c = 2; c < modules - 2; c++)
            for (let y = top + m * scale; y < top + (m + 1) * scale; y++)
              for (let x = left + c * scale; x < left + (c + 1) * scale; x++)
                grey[y * width + x] = 255 - grey[y * width + x]!;
      });
      expect(pngCentres(readPng(flipped.bytes)!, r.grid!)).toBeDefined();
      const v = await (await loadVerifier())(s, flipped);
      expect(v, s.symbology).toMatchObject({ verified: false });
      expect(await outsideReads(flipped, s.data), s.symbology).toBe(false);
    }
  });
});

describe('WebP and JPEG reads', () => {
  // The delivered image's pixels (libvips' decode) with a stripe an eighth of the symbol wide erased across
  // every line a reader scans (columns, or rows of a symbol turned 90°), written again in its format.
  async function erased(r: RenderResult, turned: boolean): Promise<RenderResult> {
    const { data, info } = await sharp(r.bytes).flatten({ background: '#ffffff' }).raw().toBuffer({
      resolveWithObject: true,
    });
    const { width, height, channels } = info;
    const [from, span] = turned ? [height * 0.4, height / 8] : [width * 0.4, width / 8];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if ((turned ? y : x) >= from && (turned ? y : x) < from + span)
          data.fill(255, (y * width + x) * channels, (y * width + x + 1) * channels);
    const image = sharp(data, { raw: { width, height, channels } });
    const bytes = await (r.contentType === 'image/webp' ? image.webp({ lossless: true }) : image.jpeg()).toBuffer();
    return { ...r, bytes };
  }

  it("libwebp's pixels are libvips' for every symbology's WebP, plain, coloured and turned", async () => {
    await loadVerifier();
    for (const id of SYMBOLOGY_IDS)
      for (const extra of [{}, { foreground: '#1a237e', background: '#fff8e1' }, { rotate: 90 }]) {
        const r = await render(spec({ symbology: id, data: EXAMPLES.get(id), format: 'webp', ...extra }));
        const theirs = await sharp(r.bytes).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer();
        const ours = readWebp(r.bytes)!;
        expect([ours.width, ours.height], id).toEqual([r.width, r.height]);
        expect(Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength).equals(theirs), id).toBe(true);
      }
    expect(readWebp(Buffer.from('RIFF\0\0\0\0WEBPVP8L not an image'))).toBeUndefined();
  });

  it("a translucent WebP's scan lines are its pixels composited on white, as the whole image's are", async () => {
    await loadVerifier();
    for (const opacity of [1, 0.6, 0.2]) {
      const r = await render(spec({ symbology: 'ean13', data: EXAMPLES.get('ean13'), format: 'webp' }));
      const bytes = await sharp(r.bytes).ensureAlpha(opacity).webp({ lossless: true }).toBuffer();
      const at = [0.25, 0.5, 0.75];
      const lines = (await scannedLines(new Delivered(bytes, 'image/webp'), r.scan!, at))!;
      const whole = readWebp(bytes)!;
      const expected = at.flatMap((f) =>
        Array.from({ length: whole.width }, (_, x) => {
          const p = (lineAt(r.scan!, f) * whole.width + x) * 4;
          return luma(whole.data[p]!, whole.data[p + 1]!, whole.data[p + 2]!);
        }),
      );
      expect([...lines.grey], String(opacity)).toEqual(expected);
      expect(new Set(lines.grey).size, String(opacity)).toBe(2); // two levels: the bars and the gaps
    }
  });

  it('a WebP is sized from its header; one above WEBP_READ_MAX_PX is left to libvips and still verified', async () => {
    const verify = await loadVerifier();
    const small = await render(spec({ data: 'https://example.com/size', format: 'webp' }));
    const plain = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const samples = [
      small.bytes,
      await sharp(plain).webp({ lossless: true }).toBuffer(), // VP8L
      await sharp(plain).webp({ quality: 80 }).toBuffer(), // VP8
      await sharp(plain).ensureAlpha(0.5).webp({ quality: 80 }).toBuffer(), // VP8X
    ];
    for (const bytes of samples) {
      const { width, height } = await sharp(bytes).metadata();
      expect(webpSize(bytes)).toEqual({ width, height });
    }
    const s = spec({ data: 'https://example.com/poster', format: 'webp', size: 1600 });
    const big = await render(s);
    expect(big.width * big.height).toBeGreaterThan(WEBP_READ_MAX_PX);
    expect(readWebp(big.bytes)).toBeUndefined();
    expect(await verify(s, big)).toMatchObject({ verified: true });
  });

  it('WebP and JPEG with bars or modules erased fail verification, as an outside reader finds', async () => {
    const verify = await loadVerifier();
    for (const format of ['webp', 'jpeg'] as const)
      for (const body of [
        { symbology: 'ean13', data: EXAMPLES.get('ean13') },
        { symbology: 'ean13', data: EXAMPLES.get('ean13'), addon: '12345' },
        { symbology: 'code128', data: 'ABC-12345' },
        { data: 'https://example.com/erased' },
        { symbology: 'code39', data: EXAMPLES.get('code39'), rotate: 90 },
      ]) {
        const s = spec({ ...body, format });
        const r = await render(s);
        expect((await verify(s, r)).verified, `${format} ${JSON.stringify(body)}`).toBe(true);
        const broken = await erased(r, s.options.rotate === 90);
        expect(await verify(s, broken), `${format} ${JSON.stringify(body)}`).toMatchObject({ verified: false });
        expect(await outsideReads(broken, s.data), `${format} ${JSON.stringify(body)}`).toBe(false);
      }
  });
});

describe("zxing's results read off the wasm memory", () => {
  it("agree with zxing-wasm's own readBarcodes for short, long and GS1 texts", async () => {
    await loadVerifier();
    for (const [symbology, data] of [
      ['code39', 'CODE 39'],
      ['qrcode', 'https://example.com/a/longer/text'],
      ['gs1-128', '(01)09506000134352(10)ABC123'],
      ['datamatrix', 'ÄÖÜ façade'],
    ] as const) {
      const s = spec({ symbology, data });
      const r = await render(s);
      const png = readPng(r.bytes)!;
      const image = r.grid
        ? pngCentres(png, r.grid)!
        : { grey: png.row(Math.floor((r.scan!.from + r.scan!.to) / 2)), width: png.width, height: 1 };
      const hri = symbology === 'gs1-128';
      const rgba = new Uint8ClampedArray(image.grey.length * 4).map((_, i) =>
        i % 4 === 3 ? 255 : image.grey[i >> 2]!,
      );
      const theirs = await readBarcodes(
        { data: rgba, width: image.width, height: image.height } as Parameters<typeof readBarcodes>[0],
        { formats: ZXING_FORMATS[symbology], isPure: true, textMode: hri ? 'HRI' : 'Plain' },
      );
      const expected = theirs.map((t) => ({ text: t.text, format: t.format, gs1: t.contentType === 'GS1' }));
      expect(expected[0]?.text).toBe(data);
      // Twice: the first read of a kind is checked against embind's, the second is memory only.
      for (let i = 0; i < 2; i++)
        expect(decodeGrey(image.grey, image.width, image.height, ZXING_FORMATS[symbology], hri)).toEqual(expected);
    }
    // This zxing-wasm's layout is the one the reader expects: no kind fell back to embind.
    expect(resultLayout()).toEqual({ readable: true, agreed: expect.arrayContaining(['short', 'long', 'long gs1']) });
  });
});
