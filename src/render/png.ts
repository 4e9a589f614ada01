// A fast two-colour PNG writer for module matrices and bitmaps: 1-bit palette, zlib level 1. A scanline
// that repeats the one above uses filter 2 (Up), which makes it all zeros: nothing to copy and almost
// nothing for deflate to do. Bars and modules repeat down the image, so most scanlines are such repeats.
import { crc32 } from 'node:zlib';
import { rgbOf } from '../domain/colour.ts';
import type { Bitmap } from './bitmap.ts';
import { deflateFast } from './flate.ts';
import type { Layout, Matrix } from './matrix.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes the matrix as a PNG: palette index 0 = background, 1 = foreground. */
export function encodePng(m: Matrix, l: Layout, foreground: string, background: string): Buffer {
  const stride = 1 + ((l.width + 7) >> 3);
  const raw = new Uint8Array(stride * l.height); // zero = filter 0 + background
  const line = new Uint8Array(stride);
  const s = l.scale;
  for (let r = 0; r < m.rows; r++) {
    line.fill(0);
    let dark = false;
    const base = r * m.cols;
    for (let c = 0; c < m.cols; c++) {
      if (m.cells[base + c] !== 1) continue;
      dark = true;
      for (let x = l.left + c * s, end = x + s; x < end; x++) line[1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
    if (!dark) continue;
    const y0 = l.top + r * s;
    raw.set(line, y0 * stride);
    for (let y = y0 + 1; y < y0 + s; y++) raw[y * stride] = 2; // Up filter: same as the row above
  }
  return pngFile(l.width, l.height, raw, foreground, background);
}

/** Encodes a bitmap as a PNG: palette index 0 = background, 1 = foreground. */
export function encodeBitmapPng(b: Bitmap, foreground: string, background: string): Buffer {
  const stride = b.stride + 1;
  const raw = new Uint8Array(stride * b.height); // zero = filter 0 + background
  const { bits } = b;
  const source = Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength); // copies rows without a view per row
  const target = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let y = 0; y < b.height; y++) {
    const at = y * b.stride;
    if (y > 0 && sameRow(bits, at, at - b.stride, b.stride)) raw[y * stride] = 2;
    else source.copy(target, y * stride + 1, at, at + b.stride);
  }
  return pngFile(b.width, b.height, raw, foreground, background);
}

function sameRow(bits: Uint8Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (bits[a + i] !== bits[b + i]) return false;
  return true;
}

function pngFile(width: number, height: number, raw: Uint8Array, foreground: string, background: string): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // palette
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from([...rgbOf(background), ...rgbOf(foreground)])),
    chunk('IDAT', deflateFast(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
