import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { render } from '../../../src/render/index.ts';
import { readPng } from '../../../src/render/png-read.ts';

// A noisy RGBA image, so that libpng's adaptive filtering uses every filter type.
const noise = sharp(Buffer.from(Array.from({ length: 61 * 37 * 4 }, (_, i) => (i * 7919 + (i >> 5) * 104729) % 251)), {
  raw: { width: 61, height: 37, channels: 4 },
});

// The same luminance formula applied to libvips' decode of the file: what differs is only the decoding.
async function luminanceBySharp(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) {
    const l = (data[i * 4]! * 77 + data[i * 4 + 1]! * 150 + data[i * 4 + 2]! * 29) >> 8;
    out[i] = 255 - (((255 - l) * data[i * 4 + 3]!) >> 8);
  }
  return { data: out, width: info.width, channels: 1 };
}

describe('readPng', () => {
  it.each([
    ['rgba 8-bit', () => noise.clone().png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer()],
    ['rgb 8-bit', () => noise.clone().removeAlpha().png({ adaptiveFiltering: true }).toBuffer()],
    ['grey 8-bit', () => noise.clone().removeAlpha().greyscale().png({ adaptiveFiltering: true }).toBuffer()],
    ['grey + alpha', () => noise.clone().greyscale().png({ adaptiveFiltering: true }).toBuffer()],
    ['palette 8-bit', () => noise.clone().png({ palette: true, colours: 200, dither: 0 }).toBuffer()],
    ['palette 2-bit', () => noise.clone().removeAlpha().png({ palette: true, colours: 4, dither: 0 }).toBuffer()],
  ])('%s reads as libvips reads it (within rounding)', async (_, make) => {
    const png = await make();
    const mine = readPng(png)!;
    const theirs = await luminanceBySharp(png);
    expect([mine.width, mine.height]).toEqual([61, 37]);
    let worst = 0;
    for (let y = 0; y < 37; y++)
      for (let x = 0; x < 61; x++)
        worst = Math.max(worst, Math.abs(mine.luminance(x, y) - theirs.data[(y * 61 + x) * theirs.channels]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('reads our own 1-bit palette QR exactly, foreground and background colours included', async () => {
    const r = normalizeRenderSpec({ data: 'readPng', foreground: '#102030', background: '#f0e0d0' });
    if (!r.ok) throw new Error();
    const png = (await render(r.spec)).bytes;
    const mine = readPng(png)!;
    const theirs = await luminanceBySharp(png);
    for (let y = 0; y < mine.height; y += 3)
      for (let x = 0; x < mine.width; x += 3)
        expect(
          Math.abs(mine.luminance(x, y) - theirs.data[(y * mine.width + x) * theirs.channels]!),
        ).toBeLessThanOrEqual(2);
  });

  it('declines what it does not read instead of guessing', async () => {
    expect(readPng(Buffer.from('not a png at all, not at all, not at all'))).toBeUndefined();
    expect(readPng(await noise.clone().png({ progressive: true }).toBuffer())).toBeUndefined(); // interlaced
    expect(readPng(await noise.clone().toColourspace('rgb16').png().toBuffer())).toBeUndefined(); // 16-bit
  });

  it('declines a header that claims more pixels than its data holds, without allocating them', async () => {
    const r = normalizeRenderSpec({ data: 'https://example.com/' });
    if (!r.ok) throw new Error();
    const png = Buffer.from((await render(r.spec)).bytes);
    const crc = (at: number) => png.writeUInt32BE(crc32(png.subarray(at + 4, at + 21)), at + 21);
    const before = process.memoryUsage().arrayBuffers;
    for (const [width, height] of [
      [0x7fff_ffff, 0x7fff_ffff],
      [0x0fff_ffff, 1],
      [4096, 0x0fff_ffff],
    ] as const) {
      png.writeUInt32BE(width, 16);
      png.writeUInt32BE(height, 20);
      crc(8);
      expect(readPng(png), `${width} x ${height}`).toBeUndefined();
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });
});
