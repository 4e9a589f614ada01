// A lossless WebP (VP8L) writer for two-colour bitmaps: a two-entry colour-indexing transform packs eight
// pixels into each coded pixel (one byte of our 1-bit rows, bit-reversed), and a row that repeats the one
// above is a single backward reference to distance code 1 (the pixel straight above). Green carries the
// literals and copy lengths under one Huffman code; red, blue and alpha are constant (zero-bit codes).
import { KEPT_BUFFER_MAX_BYTES, type Bitmap } from './bitmap.ts';
import type { Layout, Matrix } from './matrix.ts';

// The output buffer and the token list are kept from one image to the next, up to KEPT_BUFFER_MAX_BYTES.
let writerBuffer = new Uint8Array(1 << 12);
let tokenList = new Int32Array(1 << 12);
const sortKeys = new Float64Array(512); // one per symbol of the largest alphabet (280)

class BitWriter {
  private buf = writerBuffer;
  private length = 0;
  private acc = 0;
  private n = 0;
  /** Writes `size` (at most 24) bits of `value`, least significant first. */
  bits(value: number, size: number): void {
    this.acc |= (value & ((1 << size) - 1)) << this.n;
    this.n += size;
    while (this.n >= 8) {
      if (this.length === this.buf.length) {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
        if (bigger.byteLength <= KEPT_BUFFER_MAX_BYTES) writerBuffer = bigger;
      }
      this.buf[this.length++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.n -= 8;
    }
  }
  bytes(): Uint8Array {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return this.buf.subarray(0, this.length);
  }
}

const REVERSED = Uint8Array.from({ length: 256 }, (_, v) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((v >> i) & 1) << (7 - i);
  return r;
});

// Huffman code lengths (at most `limit`) for the frequencies; zero frequency gets length 0. Leaves sorted
// once, merged nodes queued in the order made (their weights never decrease): the two-queue construction.
// A tree deeper than the limit is built again from flattened weights.
function codeLengths(freq: readonly number[], limit: number): number[] {
  // By frequency, then symbol: a numeric sort of frequency * 512 + symbol (no comparator to call).
  let m = 0;
  for (let s = 0; s < freq.length; s++) if (freq[s]! > 0) sortKeys[m++] = freq[s]! * 512 + s;
  const sorted = sortKeys.subarray(0, m).sort();
  const syms: number[] = [];
  for (let i = 0; i < m; i++) syms.push(sorted[i]! % 512);
  const lengths = new Array<number>(freq.length).fill(0);
  if (m === 1) lengths[syms[0]!] = 1;
  if (m <= 1) return lengths;
  // Plain arrays: small typed arrays are each an allocation outside the heap.
  const weight: number[] = new Array(2 * m - 1).fill(0);
  const parent: number[] = new Array(2 * m - 1).fill(0);
  const depth: number[] = new Array(2 * m - 1).fill(0);
  for (let flatten = 0; ; flatten++) {
    for (let i = 0; i < m; i++) weight[i] = freq[syms[i]!]! + flatten * 1000;
    let leaf = 0;
    let node = m;
    const pick = () => (leaf < m && (node === next || weight[leaf]! <= weight[node]!) ? leaf++ : node++);
    let next = m;
    for (; next < 2 * m - 1; next++) {
      const a = pick();
      const b = pick();
      weight[next] = weight[a]! + weight[b]!;
      parent[a] = next;
      parent[b] = next;
    }
    depth[2 * m - 2] = 0;
    let max = 0;
    for (let i = 2 * m - 3; i >= 0; i--) depth[i] = depth[parent[i]!]! + 1;
    for (let i = 0; i < m; i++) {
      lengths[syms[i]!] = depth[i]!;
      max = Math.max(max, depth[i]!);
    }
    if (max <= limit) return lengths;
  }
}

// Canonical codes from lengths, bit-reversed for an LSB-first stream (as deflate).
function canonical(lengths: number[]): number[] {
  const codes = new Array<number>(lengths.length).fill(0);
  const max = Math.max(0, ...lengths);
  let code = 0;
  for (let len = 1; len <= max; len++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] !== len) continue;
      let r = 0;
      for (let i = 0; i < len; i++) r |= ((code >> i) & 1) << (len - 1 - i);
      codes[s] = r;
      code++;
    }
    code <<= 1;
  }
  return codes;
}

const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

// A prefix code with one or two 8-bit symbols ("simple code").
function simpleCode(w: BitWriter, symbols: number[]): void {
  w.bits(1, 1);
  w.bits(symbols.length - 1, 1);
  w.bits(1, 1); // first symbol takes 8 bits
  w.bits(symbols[0]!, 8);
  if (symbols.length === 2) w.bits(symbols[1]!, 8);
}

// A prefix code given by its lengths ("normal code"), lengths sent literally under a code-length code.
function normalCode(w: BitWriter, lengths: number[]): void {
  const freq = new Array<number>(19).fill(0);
  for (const l of lengths) freq[l]!++;
  const clLengths = codeLengths(freq, 7);
  const clCodes = canonical(clLengths);
  let count = 19;
  while (count > 4 && clLengths[CODE_LENGTH_ORDER[count - 1]!] === 0) count--;
  w.bits(0, 1); // normal code
  w.bits(count - 4, 4);
  for (let i = 0; i < count; i++) w.bits(clLengths[CODE_LENGTH_ORDER[i]!]!, 3);
  w.bits(0, 1); // no max_symbol: every symbol's length follows
  for (const l of lengths) w.bits(clCodes[l]!, clLengths[l]!);
}

// LZ77 prefix coding of a length or distance value (at least 1): [prefix symbol, extra bit count, extra bits].
function prefixOf(value: number): [number, number, number] {
  if (value <= 2) return [value - 1, 0, 0];
  const d = value - 1;
  const high = 31 - Math.clz32(d);
  const second = (d >> (high - 1)) & 1;
  const extra = high - 1;
  return [2 * high + second, extra, d & ((1 << extra) - 1)];
}

/** An image's rows as the index image codes them: (width + 7) / 8 bytes a row, pixel 0 in the lowest bit. */
type IndexRows = {
  width: number;
  height: number;
  /** Whether row y (at least 1) is the same as the row above. */
  repeats(y: number): boolean;
  /** Writes row y's bytes into `list` from `at`. */
  put(y: number, list: Int32Array, at: number): void;
};

function bitmapRows(b: Bitmap): IndexRows {
  const packed = (b.width + 7) >> 3;
  return {
    width: b.width,
    height: b.height,
    repeats(y) {
      const at = y * b.stride;
      for (let i = 0; i < packed; i++) if (b.bits[at + i] !== b.bits[at - b.stride + i]) return false;
      return true;
    },
    put(y, list, to) {
      const at = y * b.stride;
      for (let i = 0; i < packed; i++) list[to + i] = REVERSED[b.bits[at + i]!]!;
    },
  };
}

/**
 * A module matrix's rows at its layout, without drawing it: one line of bytes per module row, shared by
 * the module's pixel rows, and only the rows where one line gives way to another compared.
 */
function matrixRows(m: Matrix, l: Layout): IndexRows {
  const packed = (l.width + 7) >> 3;
  const blank = new Uint8Array(packed);
  const lines: Uint8Array[] = new Array(l.height).fill(blank);
  const s = l.scale;
  for (let r = 0; r < m.rows; r++) {
    const line = new Uint8Array(packed);
    let inked = false;
    for (let c = 0; c < m.cols; c++) {
      if (m.cells[r * m.cols + c] !== 1) continue;
      inked = true;
      const x1 = Math.min(l.width, l.left + (c + 1) * s);
      for (let x = Math.max(0, l.left + c * s); x < x1; x++) line[x >> 3]! |= 1 << (x & 7);
    }
    if (inked) lines.fill(line, l.top + r * s, l.top + (r + 1) * s);
  }
  return {
    width: l.width,
    height: l.height,
    repeats(y) {
      const [line, above] = [lines[y]!, lines[y - 1]!];
      if (line === above) return true;
      for (let i = 0; i < packed; i++) if (line[i] !== above[i]) return false;
      return true;
    },
    put(y, list, at) {
      list.set(lines[y]!, at);
    },
  };
}

// Row by row: a row equal to the one above joins a copy of one row up; otherwise its bytes are literals.
// Literals are stored as they are, copies as minus their length (at most 4096 pixels each).
function tokens(rows: IndexRows): { list: Int32Array; count: number } {
  const packed = (rows.width + 7) >> 3;
  let list = tokenList;
  let count = 0;
  let copy = 0;
  const room = (n: number) => {
    if (count + n <= list.length) return;
    const bigger = new Int32Array(Math.max(list.length * 2, count + n));
    bigger.set(list.subarray(0, count));
    list = bigger;
    if (bigger.byteLength <= KEPT_BUFFER_MAX_BYTES) tokenList = bigger;
  };
  const flush = () => {
    room(Math.ceil(copy / 4096));
    for (; copy > 0; copy -= Math.min(copy, 4096)) list[count++] = -Math.min(copy, 4096);
  };
  for (let y = 0; y < rows.height; y++) {
    if (y > 0 && rows.repeats(y)) {
      copy += packed;
      continue;
    }
    flush();
    room(packed);
    rows.put(y, list, count);
    count += packed;
  }
  flush();
  return { list, count };
}

function argb(rgb: number[]): number[] {
  return [255, rgb[0]!, rgb[1]!, rgb[2]!];
}

/** The bitmap as a lossless WebP in the two colours (index 0 background, 1 foreground). */
export function encodeBitmapWebp(b: Bitmap, foreground: number[], background: number[]): Buffer {
  return encodeWebp(bitmapRows(b), foreground, background);
}

/** The module matrix at its layout as a lossless WebP, the same bytes as its bitmap's, without drawing the bitmap. */
export function encodeMatrixWebp(m: Matrix, l: Layout, foreground: number[], background: number[]): Buffer {
  return encodeWebp(matrixRows(m, l), foreground, background);
}

function encodeWebp(rows: IndexRows, foreground: number[], background: number[]): Buffer {
  const w = new BitWriter();
  w.bits(0x2f, 8);
  w.bits(rows.width - 1, 14);
  w.bits(rows.height - 1, 14);
  w.bits(0, 1); // no alpha
  w.bits(0, 3); // version 0
  // Colour-indexing transform, two colours: the table is a 2x1 image, its second entry a difference.
  w.bits(1, 1);
  w.bits(3, 2);
  w.bits(1, 8); // table size - 1
  const [bgc, fgc] = [argb(background), argb(foreground)];
  const delta = fgc.map((c, i) => (c - bgc[i]! + 256) & 255);
  w.bits(0, 1); // no colour cache
  // Prefix codes in order green, red, blue, alpha, distance; ARGB index 0 = alpha, 1 red, 2 green, 3 blue.
  for (const ch of [2, 1, 3, 0]) simpleCode(w, bgc[ch] === delta[ch] ? [bgc[ch]!] : [bgc[ch]!, delta[ch]!]);
  simpleCode(w, [0]);
  for (const [entry, ch] of [0, 1].flatMap((e) => [2, 1, 3, 0].map((c) => [e, c] as const))) {
    const symbols = bgc[ch] === delta[ch] ? [bgc[ch]!] : [bgc[ch]!, delta[ch]!];
    // Two one-bit codes are canonical: the smaller symbol is code 0.
    if (symbols.length === 2) w.bits((entry === 0 ? bgc : delta)[ch] === Math.min(...symbols) ? 0 : 1, 1);
  }
  w.bits(0, 1); // no further transform
  // The index image: (width + 7) / 8 coded pixels per row.
  const { list, count } = tokens(rows);
  const freq = new Array<number>(280).fill(0);
  for (let i = 0; i < count; i++) {
    const t = list[i]!;
    freq[t >= 0 ? t : 256 + prefixOf(-t)[0]]!++;
  }
  w.bits(0, 1); // no colour cache
  w.bits(0, 1); // no meta prefix codes
  const used: number[] = [];
  for (let sym = 0; sym < freq.length; sym++) if (freq[sym]! > 0) used.push(sym);
  const lengths = used.length === 1 ? [] : codeLengths(freq, 15);
  const codes = canonical(lengths);
  if (used.length === 1)
    simpleCode(w, used); // a blank image: every coded pixel the same literal
  else normalCode(w, lengths);
  for (let i = 0; i < 3; i++) simpleCode(w, [0]); // red, blue, alpha: always 0
  simpleCode(w, [0]); // distance: always code 1 (one row up), prefix symbol 0
  const single = used.length === 1;
  for (let i = 0; i < count; i++) {
    const t = list[i]!;
    if (t >= 0) {
      if (!single) w.bits(codes[t]!, lengths[t]!);
      continue;
    }
    const [sym, extra, value] = prefixOf(-t);
    w.bits(codes[256 + sym]!, lengths[256 + sym]!);
    if (extra > 0) w.bits(value, extra);
  }
  const data = w.bytes();
  const pad = data.length & 1;
  const out = Buffer.allocUnsafe(20 + data.length + pad);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(12 + data.length + pad, 4);
  out.write('WEBPVP8L', 8, 'latin1');
  out.writeUInt32LE(data.length, 16);
  out.set(data, 20);
  if (pad) out[20 + data.length] = 0;
  return out;
}
