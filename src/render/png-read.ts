// A small PNG reader (any bit depth and colour type but 16-bit and interlaced): the verifier reads
// delivered PNGs without a trip through libvips. It unfilters every scanline (filters chain down the
// image) but turns only the pixels asked for into luminance. zlib is the only dependency.
import { inflateSync } from 'node:zlib';

/** A decoded PNG: `luminance(x, y)` is 0 (black) to 255 (white), alpha composited on white. */
export type PngPixels = {
  width: number;
  height: number;
  luminance(x: number, y: number): number;
  /** Every pixel's luminance, row-major. */
  grey(): Uint8Array;
  /** One row's luminance. */
  row(y: number): Uint8Array;
  /** Luminance of `count` pixels of row y, from x0 every `step` pixels, into `out` from `offset`. */
  samples(y: number, x0: number, step: number, count: number, out: Uint8Array, offset: number): void;
};

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Reverses the per-scanline filters of rows from..to-1 into `out` (rows above `from` already done); `bpp` is
// bytes per complete pixel (at least 1). A repeat of the row above (filter Up, all zeros) is a copy.
function unfilter(raw: Uint8Array, out: Uint8Array, stride: number, bpp: number, from: number, to: number): void {
  for (let y = from; y < to; y++) {
    const type = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    if (type === 0 || (type === 2 && y === 0)) out.set(raw.subarray(src, src + stride), row);
    else if (type === 2 && zeros(raw, src, stride)) out.copyWithin(row, up, row);
    else if (type === 2) for (let x = 0; x < stride; x++) out[row + x] = (raw[src + x]! + out[up + x]!) & 255;
    else if (type === 1)
      for (let x = 0; x < stride; x++) out[row + x] = (raw[src + x]! + (x >= bpp ? out[row + x - bpp]! : 0)) & 255;
    else {
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? out[row + x - bpp]! : 0;
        const b = y > 0 ? out[up + x]! : 0;
        const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
        out[row + x] = (raw[src + x]! + (type === 3 ? (a + b) >> 1 : paeth(a, b, c))) & 255;
      }
    }
  }
}

function zeros(raw: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (raw[at + i] !== 0) return false;
  return true;
}

const luma = (r: number, g: number, b: number) => (r * 77 + g * 150 + b * 29) >> 8;
const onWhite = (l: number, alpha: number) => (alpha === 255 ? l : 255 - (((255 - l) * alpha) >> 8));

/** The PNG's pixels, or undefined for a PNG this reader does not take (16-bit, interlaced, malformed). */
export function readPng(png: Buffer): PngPixels | undefined {
  if (png.length < 33 || png.readUInt32BE(12) !== 0x49484452) return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const depth = png[24]!;
  const colour = png[25]!;
  const channels = CHANNELS[colour] ?? 0;
  if (channels === 0 || depth === 16 || png[28] !== 0) return undefined;
  let palette: Uint8Array = new Uint8Array(0);
  let paletteAlpha: Uint8Array = new Uint8Array(0);
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'PLTE') palette = png.subarray(at + 8, at + 8 + length);
    else if (type === 'tRNS' && colour === 3) paletteAlpha = png.subarray(at + 8, at + 8 + length);
    else if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const bitsPerPixel = depth * channels;
  const stride = (width * bitsPerPixel + 7) >> 3;
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch {
    return undefined;
  }
  if (raw.length < (stride + 1) * height) return undefined;
  // Rows are unfiltered on first use, down to the lowest row asked for: a verifier reading a few lines
  // across a symbol does not pay for the rows below them. A row stored unfiltered, or repeating the row
  // above (filter Up, all zeros: what our writer emits for most rows), is read where it lies; only rows
  // another filter touches are computed into `pixels`. `at[y]` is where row y's bytes start: an offset into
  // raw, or minus one minus an offset into pixels.
  let pixels = new Uint8Array(0); // allocated when the first row needs computing
  const at = new Int32Array(height);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let done = 0;
  const ensure = (y: number) => {
    for (; done <= y && done < height; done++) {
      const src = done * (stride + 1) + 1;
      const type = raw[src - 1]!;
      if (type === 0 || (type === 2 && done === 0)) at[done] = src;
      else if (type === 2 && zeros(raw, src, stride)) at[done] = at[done - 1]!;
      else {
        if (pixels.length === 0) pixels = new Uint8Array(stride * height);
        if (done > 0 && at[done - 1]! >= 0) {
          const up = at[done - 1]!;
          pixels.set(raw.subarray(up, up + stride), (done - 1) * stride);
        } else if (done > 0 && -at[done - 1]! - 1 !== (done - 1) * stride) {
          const up = -at[done - 1]! - 1;
          pixels.copyWithin((done - 1) * stride, up, up + stride);
        }
        unfilter(raw, pixels, stride, bpp, done, done + 1);
        at[done] = -(done * stride) - 1;
      }
    }
  };
  // Row y's bytes (after ensure(y)) and the offset of its first byte in them.
  const rowOf = (y: number): [Uint8Array, number] => (at[y]! >= 0 ? [raw, at[y]!] : [pixels, -at[y]! - 1]);
  const max = (1 << depth) - 1;
  const paletteLuma = Array.from({ length: palette.length / 3 }, (_, i) =>
    onWhite(luma(palette[i * 3]!, palette[i * 3 + 1]!, palette[i * 3 + 2]!), paletteAlpha[i] ?? 255),
  );
  function luminance(x: number, y: number): number {
    ensure(y);
    const [bytes, base] = rowOf(y);
    const bit = x * depth;
    const s = depth >= 8 ? bytes[base + x * channels]! : (bytes[base + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
    if (colour === 3) return paletteLuma[s] ?? 0;
    if (colour === 0) return depth === 8 ? s : Math.round((s * 255) / max);
    const p = base + x * channels;
    if (colour === 4) return onWhite(s, bytes[p + 1]!);
    const l = luma(s, bytes[p + 1]!, bytes[p + 2]!);
    return colour === 6 ? onWhite(l, bytes[p + 3]!) : l;
  }
  function grey(): Uint8Array {
    ensure(height - 1);
    const out = new Uint8Array(width * height);
    if (colour === 3 && depth === 1) {
      // Two-colour palette (what we write): eight pixels per byte through a lookup.
      const [l0, l1] = [paletteLuma[0] ?? 0, paletteLuma[1] ?? 0];
      for (let y = 0; y < height; y++) {
        const [bytes, base] = rowOf(y);
        for (let x = 0; x < width; x++) out[y * width + x] = (bytes[base + (x >> 3)]! >> (7 - (x & 7))) & 1 ? l1 : l0;
      }
      return out;
    }
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = luminance(x, y);
    return out;
  }
  function row(y: number): Uint8Array {
    ensure(y);
    const out = new Uint8Array(width);
    if (colour === 3 && depth === 1) {
      const [l0, l1] = [paletteLuma[0] ?? 0, paletteLuma[1] ?? 0];
      const [bytes, base] = rowOf(y);
      for (let x = 0; x < width; x++) out[x] = (bytes[base + (x >> 3)]! >> (7 - (x & 7))) & 1 ? l1 : l0;
    } else for (let x = 0; x < width; x++) out[x] = luminance(x, y);
    return out;
  }
  function samples(y: number, x0: number, step: number, count: number, out: Uint8Array, offset: number): void {
    ensure(y);
    if (colour === 3 && depth === 1) {
      const [l0, l1] = [paletteLuma[0] ?? 0, paletteLuma[1] ?? 0];
      const [bytes, base] = rowOf(y);
      for (let i = 0, x = x0; i < count; i++, x += step)
        out[offset + i] = (bytes[base + (x >> 3)]! >> (7 - (x & 7))) & 1 ? l1 : l0;
    } else for (let i = 0; i < count; i++) out[offset + i] = luminance(x0 + i * step, y);
  }
  return { width, height, luminance, grey, row, samples };
}
