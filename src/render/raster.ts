// Raster outputs: WebP (lossless) and JPEG (4:4:4, quality 95) from a two-colour bitmap by our writers, or
// from a PNG or an SVG (styled codes) through sharp; and the resolution metadata print shops read (PNG pHYs).
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { rgbOf } from '../domain/colour.ts';
import type { Bitmap } from './bitmap.ts';
import { encodeBitmapJpeg, encodeMatrixJpeg } from './jpeg.ts';
import type { Layout, Matrix } from './matrix.ts';
import { encodeBitmapWebp, encodeMatrixWebp } from './webp.ts';

const PNG_HEADER_END = 8 + 25; // signature + IHDR chunk: pHYs must come before IDAT, after IHDR is simplest

/** The PNG with a pHYs chunk for `dpi` (pixels per metre, rounded as the spec requires integers). */
export function withPhys(png: Buffer, dpi: number): Buffer {
  const ppm = Math.round(dpi / 0.0254);
  const chunk = Buffer.alloc(21);
  chunk.writeUInt32BE(9, 0);
  chunk.write('pHYs', 4, 'latin1');
  chunk.writeUInt32BE(ppm, 8);
  chunk.writeUInt32BE(ppm, 12);
  chunk[16] = 1; // unit: metre
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17);
  return Buffer.concat([png.subarray(0, PNG_HEADER_END), chunk, withoutChunk(png.subarray(PNG_HEADER_END), 'pHYs')]);
}

function withoutChunk(chunks: Buffer, type: string): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < chunks.length;) {
    const length = chunks.readUInt32BE(at);
    const end = at + 12 + length;
    if (chunks.toString('latin1', at + 4, at + 8) !== type) parts.push(chunks.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

/** The pHYs resolution of a PNG in dpi, if it has one. */
export function pngDpi(png: Buffer): number | undefined {
  const at = png.indexOf('pHYs', 0, 'latin1');
  if (at < 0 || png[at + 12] !== 1) return undefined;
  return png.readUInt32BE(at + 4) * 0.0254;
}

/** Rasterizes an SVG at its own pixel size to PNG. */
export function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 }).png({ compressionLevel: 6 }).toBuffer();
}

/** WebP (lossless: module edges stay sharp) or JPEG (no chroma subsampling, density from dpi). */
export function convertRaster(png: Buffer, format: 'webp' | 'jpeg', dpi: number | undefined): Promise<Buffer> {
  const img = sharp(png).flatten();
  if (format === 'webp') return img.webp({ lossless: true, effort: 4 }).toBuffer();
  const jpeg = img.jpeg({ quality: 95, chromaSubsampling: '4:4:4', mozjpeg: false });
  return (dpi === undefined ? jpeg : jpeg.withMetadata({ density: dpi })).toBuffer();
}

/** WebP or JPEG straight from a two-colour bitmap (greyscale when both colours are grey), no PNG in between. */
export function encodeBitmapRaster(
  b: Bitmap,
  format: 'webp' | 'jpeg',
  foreground: string,
  background: string,
  dpi: number | undefined,
): Buffer {
  const [fg, bg] = [rgbOf(foreground), rgbOf(background)];
  if (format === 'jpeg') return encodeBitmapJpeg(b, fg, bg, dpi);
  return encodeBitmapWebp(b, fg, bg);
}

/** WebP or JPEG of a plain module matrix at its layout, coded from its modules where the writer can (see each). */
export function encodeMatrixRaster(
  m: Matrix,
  l: Layout,
  format: 'webp' | 'jpeg',
  foreground: string,
  background: string,
  dpi: number | undefined,
): Buffer {
  if (format === 'jpeg') return encodeMatrixJpeg(m, l, rgbOf(foreground), rgbOf(background), dpi);
  return encodeMatrixWebp(m, l, rgbOf(foreground), rgbOf(background));
}
