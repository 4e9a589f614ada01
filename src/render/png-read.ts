// A small PNG reader (any bit depth and colour type but 16-bit and interlaced): the verifier reads
// delivered PNGs without a trip through libvips. It unfilters scanlines in place, down to the lowest row
// asked for (filters chain down the image), and turns only the pixels asked for into luminance. zlib is
// the only dependency (through flate.ts, which keeps one engine for every read). The hot paths are written
// for one array type and no per-call allocation: for a small symbol, reading its PNG back costs less than
// zxing's read of it.
import { luma, onWhite } from '../domain/colour.ts';
import { inflateExactly } from './flate.ts';

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
  /** Whether rows y0..y1-1 hold exactly row `ref`'s pixels. */
  sameRows(y0: number, y1: number, ref: number): boolean;
  /** Whether row y is one colour over each of `count` runs of `step` pixels from x0. */
  uniformRuns(y: number, x0: number, step: number, count: number): boolean;
};

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// Chunk types as big-endian words: compared without making strings.
const IHDR = 0x49484452;
const PLTE = 0x504c5445;
const TRNS = 0x74524e53;
const IDAT = 0x49444154;
const IEND = 0x49454e44;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Whether raw[at..at+n) is all zeros, four bytes at a time where aligned (`words` views raw's buffer).
function zeros(raw: Uint8Array, words: Int32Array, at: number, n: number): boolean {
  const end = at + n;
  let i = at;
  for (; i < end && (i & 3) !== 0; i++) if (raw[i] !== 0) return false;
  for (; i + 4 <= end; i += 4) if (words[i >> 2] !== 0) return false;
  for (; i < end; i++) if (raw[i] !== 0) return false;
  return true;
}

type Header = { width: number; height: number; depth: number; colour: number; channels: number };
type Chunks = { palette: Uint8Array; paletteAlpha: Uint8Array; idat: Uint8Array };

function header(png: Buffer): Header | undefined {
  if (png.length < 33 || png.readUInt32BE(12) !== IHDR) return undefined;
  const [depth, colour] = [png[24]!, png[25]!];
  const channels = CHANNELS[colour] ?? 0;
  if (channels === 0 || depth === 16 || png[28] !== 0) return undefined;
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  // A row's bits are indexed in 32-bit arithmetic: a wider row is not one this reader takes.
  if (width * depth * channels > 0x7fff_ffff) return undefined;
  return { width, height, depth, colour, channels };
}

// The chunks the reader uses; undefined when there is no image data.
function chunks(png: Buffer, colour: number): Chunks | undefined {
  let palette: Uint8Array = new Uint8Array(0);
  let paletteAlpha: Uint8Array = new Uint8Array(0);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.readUInt32BE(at + 4);
    if (type === IEND) break;
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === PLTE) palette = data;
    else if (type === TRNS && colour === 3) paletteAlpha = data;
    else if (type === IDAT) idat.push(data);
    at += 12 + length;
  }
  if (idat.length === 0) return undefined;
  return { palette, paletteAlpha, idat: idat.length === 1 ? idat[0]! : Buffer.concat(idat) };
}

// Luminance of every sample value of a grey or palette image of up to 8 bits (undefined for the others).
function sampleLuminance(h: Header, c: Chunks): Uint8Array | undefined {
  if (h.colour !== 0 && h.colour !== 3) return undefined;
  const max = (1 << h.depth) - 1;
  const lut = new Uint8Array(max + 1);
  for (let s = 0; s <= max; s++) {
    const p = s * 3;
    lut[s] =
      h.colour === 0
        ? Math.round((s * 255) / max)
        : p + 2 < c.palette.length
          ? onWhite(luma(c.palette[p]!, c.palette[p + 1]!, c.palette[p + 2]!), c.paletteAlpha[s] ?? 255)
          : 0;
  }
  return lut;
}

/** The PNG's pixels, or undefined for a PNG this reader does not take (16-bit, interlaced, malformed). */
export function readPng(png: Buffer): PngPixels | undefined {
  const h = header(png);
  const c = h && chunks(png, h.colour);
  if (!h || !c) return undefined;
  const stride = (h.width * h.depth * h.channels + 7) >> 3;
  const expected = (stride + 1) * h.height;
  // A new, aligned buffer for the word-wise checks.
  const raw = inflateExactly(c.idat, expected);
  if (!raw) return undefined;
  return new PngImage(h, stride, raw, sampleLuminance(h, c));
}

// A class, not closures made per image: V8 optimizes a method once, where it compiled every image's new
// closures again (in background threads whose CPU the verification pays all the same).
class PngImage implements PngPixels {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colour: number;
  readonly channels: number;
  readonly stride: number;
  readonly bpp: number;
  readonly max: number;
  readonly raw: Uint8Array;
  readonly words: Int32Array;
  // Luminance per sample value of a grey or palette image (empty for the other colour types).
  readonly lut: Uint8Array;
  // Rows are unfiltered in place on first use, down to the lowest row asked for: a verifier reading a few
  // lines across a symbol does not pay for the rows below them. A row repeating the one above (filter Up,
  // all zeros: what our writer emits for most rows) is not copied: `at[y]` is where row y's unfiltered
  // bytes start in raw, the row above's place for such a repeat.
  readonly at: Int32Array;
  done = 0;

  constructor(h: Header, stride: number, raw: Uint8Array, lut: Uint8Array | undefined) {
    this.width = h.width;
    this.height = h.height;
    this.depth = h.depth;
    this.colour = h.colour;
    this.channels = h.channels;
    this.stride = stride;
    this.bpp = Math.max(1, (h.depth * h.channels) >> 3);
    this.max = (1 << h.depth) - 1;
    this.raw = raw;
    this.words = new Int32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
    this.lut = lut ?? new Uint8Array(0);
    this.at = new Int32Array(h.height);
  }

  ensure(y: number): void {
    const { raw, at, stride } = this;
    for (; this.done <= y && this.done < this.height; this.done++) {
      const row = this.done;
      const src = row * (stride + 1) + 1;
      const type = raw[src - 1]!;
      const up = row > 0 ? at[row - 1]! : -1;
      at[row] = src;
      if (type === 0 || up < 0) {
        if (type === 1 || type === 3 || type === 4) unfilterFirst(raw, src, stride, this.bpp, type);
      } else if (type === 2) {
        if (zeros(raw, this.words, src, stride)) at[row] = up;
        else for (let x = 0; x < stride; x++) raw[src + x] = (raw[src + x]! + raw[up + x]!) & 255;
      } else unfilter(raw, src, up, stride, this.bpp, type);
    }
  }

  // A sample's value (palette index, grey level) of pixel x of the row whose bytes start at base.
  value(base: number, x: number): number {
    if (this.depth === 8) return this.raw[base + x]!;
    const bit = x * this.depth;
    return (this.raw[base + (bit >> 3)]! >> (8 - this.depth - (bit & 7))) & this.max;
  }

  // Luminance of pixel x of the row whose bytes start at base.
  pixel(base: number, x: number): number {
    const { raw, colour } = this;
    if (this.lut.length > 0) return this.lut[this.value(base, x)]!;
    const p = base + x * this.channels;
    if (colour === 4) return onWhite(raw[p]!, raw[p + 1]!);
    const l = luma(raw[p]!, raw[p + 1]!, raw[p + 2]!);
    return colour === 6 ? onWhite(l, raw[p + 3]!) : l;
  }

  luminance(x: number, y: number): number {
    this.ensure(y);
    return this.pixel(this.at[y]!, x);
  }

  samples(y: number, x0: number, step: number, count: number, out: Uint8Array, offset: number): void {
    this.ensure(y);
    const { raw, lut } = this;
    const base = this.at[y]!;
    if (this.depth === 1 && lut.length > 0) {
      const [l0, l1] = [lut[0]!, lut[1]!];
      for (let i = 0, x = x0; i < count; i++, x += step)
        out[offset + i] = (raw[base + (x >> 3)]! >> (7 - (x & 7))) & 1 ? l1 : l0;
    } else for (let i = 0, x = x0; i < count; i++, x += step) out[offset + i] = this.pixel(base, x);
  }

  grey(): Uint8Array {
    const out = new Uint8Array(this.width * this.height);
    for (let y = 0; y < this.height; y++) this.samples(y, 0, 1, this.width, out, y * this.width);
    return out;
  }

  row(y: number): Uint8Array {
    const out = new Uint8Array(this.width);
    this.samples(y, 0, 1, this.width, out, 0);
    return out;
  }

  sameRows(y0: number, y1: number, ref: number): boolean {
    this.ensure(Math.max(y1 - 1, ref));
    const { raw, at, stride } = this;
    const r = at[ref]!;
    for (let y = y0; y < y1; y++) {
      const b = at[y]!;
      if (b !== r) for (let i = 0; i < stride; i++) if (raw[b + i] !== raw[r + i]) return false;
    }
    return true;
  }

  uniformRuns(y: number, x0: number, step: number, count: number): boolean {
    this.ensure(y);
    const { raw } = this;
    const base = this.at[y]!;
    if (this.depth === 1) {
      // Bit i of byte k set where pixel 8k+i differs from the pixel before it; such a change is allowed
      // only where a run starts (or outside the runs).
      const forbidden = this.forbiddenChanges(x0, step, count);
      let prev = raw[base]! >> 7;
      for (let k = 0; k < this.stride; k++) {
        const b = raw[base + k]!;
        if (((b ^ ((b >> 1) | (prev << 7))) & forbidden[k]!) !== 0) return false;
        prev = b & 1;
      }
      return true;
    }
    for (let k = 0, x = x0; k < count; k++) {
      const first = this.sample(base, x);
      for (const end = x + step; x < end; x++) if (this.sample(base, x) !== first) return false;
    }
    return true;
  }

  // For 1-bit rows: the pixels (as bits of their bytes, top bit first) that must equal the pixel before
  // them, inside runs of `step` from x0. Built once per run geometry (every row of a grid asks the same).
  #forbidden = { x0: -1, step: 0, count: 0, mask: new Uint8Array(0) };
  forbiddenChanges(x0: number, step: number, count: number): Uint8Array {
    const f = this.#forbidden;
    if (f.x0 === x0 && f.step === step && f.count === count) return f.mask;
    const mask = new Uint8Array(this.stride);
    for (let x = x0 + 1; x < x0 + count * step; x++) if ((x - x0) % step !== 0) mask[x >> 3]! |= 0x80 >> (x & 7);
    this.#forbidden = { x0, step, count, mask };
    return mask;
  }

  // A sample's value where it has one (palette index, grey level), else its luminance.
  sample(base: number, x: number): number {
    return this.lut.length > 0 ? this.value(base, x) : this.pixel(base, x);
  }
}

// Sub, Average or Paeth on the first row (no row above: Average takes half the left byte, Paeth the left).
function unfilterFirst(raw: Uint8Array, src: number, stride: number, bpp: number, type: number): void {
  for (let x = bpp; x < stride; x++) {
    const a = raw[src + x - bpp]!;
    raw[src + x] = (raw[src + x]! + (type === 3 ? a >> 1 : a)) & 255;
  }
}

// Sub, Average or Paeth in place, the row above's unfiltered bytes starting at up.
function unfilter(raw: Uint8Array, src: number, up: number, stride: number, bpp: number, type: number): void {
  for (let x = 0; x < stride; x++) {
    const a = x >= bpp ? raw[src + x - bpp]! : 0;
    const b = raw[up + x]!;
    const c = x >= bpp ? raw[up + x - bpp]! : 0;
    const predicted = type === 1 ? a : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
    raw[src + x] = (raw[src + x]! + predicted) & 255;
  }
}
