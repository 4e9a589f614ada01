// A baseline JPEG writer for two-colour bitmaps: quality 95, no chroma subsampling (one grey component
// when both colours are grey), the standard Huffman tables. An 8x8 block of a two-colour image is an
// affine function of its 64-bit ink pattern, and the DCT is linear, so each distinct pattern is
// transformed once per image: a barcode has few (blank, solid, and the edges of its bars and modules).
import { randomBytes } from 'node:crypto';
import { KEPT_BUFFER_MAX_BYTES, matrixBitmap, type Bitmap } from './bitmap.ts';
import type { Layout, Matrix } from './matrix.ts';

const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);
// ITU T.81 Annex K tables (natural order), scaled to quality 95 as libjpeg does.
const LUMA_BASE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_BASE = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...Array.from({ length: 32 }, () => 99),
];
const QUALITY = 95;
const scaleTable = (base: number[]) =>
  base.map((q) => Math.min(255, Math.max(1, Math.floor((q * (200 - 2 * QUALITY) + 50) / 100))));
const QUANT = [scaleTable(LUMA_BASE), scaleTable(CHROMA_BASE)];

type HuffSpec = { counts: number[]; symbols: number[] };
const DC_LUMA: HuffSpec = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: [...Array(12).keys()] };
const DC_CHROMA: HuffSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [...Array(12).keys()],
};
const AC_LUMA: HuffSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: hex(
    '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  ),
};
const AC_CHROMA: HuffSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: hex(
    '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  ),
};

function hex(s: string): number[] {
  return Array.from({ length: s.length / 2 }, (_, i) => Number.parseInt(s.slice(2 * i, 2 * i + 2), 16));
}

// Canonical codes: symbol -> [code, length].
function codesOf(spec: HuffSpec): { code: Uint16Array; size: Uint8Array } {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let k = 0;
  let c = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < spec.counts[len - 1]!; i++) {
      code[spec.symbols[k]!] = c++;
      size[spec.symbols[k++]!] = len;
    }
    c <<= 1;
  }
  return { code, size };
}
const TABLES = [
  { dc: codesOf(DC_LUMA), ac: codesOf(AC_LUMA) },
  { dc: codesOf(DC_CHROMA), ac: codesOf(AC_CHROMA) },
];

// The 8-point DCT-II with JPEG's normalization, C(u)/2 cos((2x+1)u pi/16), and the row transform of every
// possible row of eight ink bits: the 2D DCT of a pattern is then eight 8-point column transforms.
const COS = Float64Array.from({ length: 64 }, (_, i) => {
  const [u, x] = [i >> 3, i & 7];
  return ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});
const ROW_DCT = Float64Array.from({ length: 256 * 8 }, (_, i) => {
  const [byte, u] = [i >> 3, i & 7];
  let sum = 0;
  for (let x = 0; x < 8; x++) if ((byte >> (7 - x)) & 1) sum += COS[u * 8 + x]!;
  return sum;
});

// The writer's buffer, kept from one image to the next up to KEPT_BUFFER_MAX_BYTES (the bytes are copied out at the end).
let kept = new Uint8Array(1 << 14);

// Bits out MSB first with JPEG's byte stuffing. `write` takes codes already masked to `size` bits; the
// caller reserves room once per block so that the inner loop does not check.
class BitWriter {
  private buf = kept;
  private length = 0;
  private acc = 0;
  private n = 0;
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    if (bigger.byteLength <= KEPT_BUFFER_MAX_BYTES) kept = bigger;
  }
  write(code: number, size: number): void {
    const acc = ((this.acc << size) | code) >>> 0;
    let n = this.n + size;
    const buf = this.buf;
    let len = this.length;
    while (n >= 8) {
      n -= 8;
      const byte = (acc >>> n) & 0xff;
      buf[len++] = byte;
      if (byte === 0xff) buf[len++] = 0;
    }
    this.acc = acc & ((1 << n) - 1);
    this.n = n;
    this.length = len;
  }
  /** A block's AC part as it lands after the bits already pending (its phase): see Phased. */
  writeAc(coded: Coded): void {
    const p = this.n;
    const at = coded.phases[p] ?? phased(coded, p);
    if (at.head < 0) {
      this.write(coded.value, coded.length);
      return;
    }
    const buf = this.buf;
    let len = this.length;
    const byte = ((this.acc << (8 - p)) | at.head) & 0xff;
    buf[len++] = byte;
    if (byte === 0xff) buf[len++] = 0;
    const body = at.body;
    if (body.length > 16) {
      buf.set(body, len);
      len += body.length;
    } else for (let i = 0; i < body.length; i++) buf[len++] = body[i]!;
    this.length = len;
    this.acc = at.tail;
    this.n = at.tailBits;
  }
  /** Pads the last byte with ones (before a marker or the end). */
  align(): void {
    if (this.n > 0) this.write((1 << (8 - this.n)) - 1, 8 - this.n);
  }
  get size(): number {
    return this.length;
  }
  /** A marker (no stuffing); the writer must be aligned. */
  marker(code: number): void {
    this.reserve(2);
    this.buf[this.length++] = 0xff;
    this.buf[this.length++] = code;
  }
  /** Appends a copy of bytes already written; the writer must be aligned. */
  copy(from: number, to: number): void {
    this.reserve(to - from);
    this.buf.copyWithin(this.length, from, to);
    this.length += to - from;
  }
  bytes(): Uint8Array {
    this.align();
    return this.buf.subarray(0, this.length);
  }
}

// The most one coded block can take: a DC code and 63 AC codes of at most 16 bits with up to 11 extra bits
// each, and an end of block, every byte of it possibly stuffed with a zero after an 0xFF.
const BLOCK_MAX_BYTES = 2 * Math.ceil((64 * (16 + 11) + 16) / 8);

const category = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));

// A block's entropy-coded AC part is the same bits for every block of its pattern, but where they fall in
// the output's bytes depends on how many bits (0-7) are pending before them. For each such phase, once:
// the bits that complete the pending byte (head), the whole bytes after it with their stuffing done (body),
// and the bits left over (tail); writing a block is then a byte copy. head is -1 where the AC part does
// not complete the pending byte.
type Phased = { head: number; body: Uint8Array; tail: number; tailBits: number };
// ac holds the AC bits packed MSB first, `length` of them; `value` is them as one number when at most 24.
type Coded = { dc: number; ac: Uint8Array; length: number; value: number; phases: (Phased | undefined)[] };

function phased(coded: Coded, p: number): Phased {
  const { ac } = coded;
  const first = 8 - p;
  const bitAt = (i: number) => (ac[i >> 3]! >> (7 - (i & 7))) & 1;
  const read = (from: number, n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | bitAt(from + i);
    return v;
  };
  let at: Phased;
  if (coded.length < first) at = { head: -1, body: new Uint8Array(0), tail: 0, tailBits: 0 };
  else {
    const whole = (coded.length - first) >> 3;
    const body: number[] = [];
    for (let k = 0; k < whole; k++) {
      const byte = read(first + 8 * k, 8);
      body.push(byte);
      if (byte === 0xff) body.push(0);
    }
    const rest = first + 8 * whole;
    at = {
      head: read(0, first),
      body: Uint8Array.from(body),
      tail: read(rest, coded.length - rest),
      tailBits: coded.length - rest,
    };
  }
  coded.phases[p] = at;
  cachedBytes += at.body.length + OBJECT_BYTES;
  return at;
}

function codeBlock(q: Int16Array, t: (typeof TABLES)[number]): Coded {
  const ac: number[] = [];
  const put = (code: number, size: number) => ac.push(code, size);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = q[k]!;
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      put(t.ac.code[0xf0]!, t.ac.size[0xf0]!);
      run -= 16;
    }
    const cat = category(v);
    const sym = (run << 4) | cat;
    put(t.ac.code[sym]!, t.ac.size[sym]!);
    put(v < 0 ? v + (1 << cat) - 1 : v, cat);
    run = 0;
  }
  if (run > 0) put(t.ac.code[0]!, t.ac.size[0]!);
  // The AC bits packed (read once per phase), and as one number where short enough for one write.
  let length = 0;
  for (let i = 1; i < ac.length; i += 2) length += ac[i]!;
  const packed = new Uint8Array((length + 7) >> 3);
  let [at, value] = [0, 0];
  for (let i = 0; i < ac.length; i += 2)
    for (let k = ac[i + 1]! - 1; k >= 0; k--, at++) {
      const bit = (ac[i]! >> k) & 1;
      packed[at >> 3]! |= bit << (7 - (at & 7));
      if (length <= 24) value = (value << 1) | bit;
    }
  return { dc: q[0]!, ac: packed, length, value, phases: [] };
}

function writeBlock(w: BitWriter, block: Coded, prevDc: number, t: (typeof TABLES)[number]): number {
  const diff = block.dc - prevDc;
  const dcCat = category(diff);
  w.write(t.dc.code[dcCat]!, t.dc.size[dcCat]!);
  if (dcCat > 0) w.write(diff < 0 ? diff + (1 << dcCat) - 1 : diff, dcCat);
  w.writeAc(block);
  return block.dc;
}

function toYcc(rgb: number[]): number[] {
  const [r, g, b] = rgb as [number, number, number];
  return [
    0.299 * r + 0.587 * g + 0.114 * b,
    -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
    0.5 * r - 0.418688 * g - 0.081312 * b + 128,
  ];
}

// Coded blocks by colours, then by the pattern's two 32-bit halves. Kept across images (the same colours
// and bar edges recur in every render) up to a bound, then started afresh.
const PATTERNS = new Map<string, PatternCache>();
// What the kept codings and their tables may take, counted as their bytes plus a typed array's own overhead
// (OBJECT_BYTES), an estimate of the heap they hold: a bitmap of random patterns makes one per block, each
// coded in up to eight phases, and each pair of colours has a table of its own.
const MAX_PATTERN_BYTES = 12 << 20;
const OBJECT_BYTES = 160;
const tableBytes = (slots: number) => slots * 16 + 3 * OBJECT_BYTES; // PatternCache's three arrays
let cachedBytes = 0;

function patternCache(colours: string): PatternCache {
  if (cachedBytes > MAX_PATTERN_BYTES) {
    PATTERNS.clear();
    cachedBytes = 0;
  }
  let cache = PATTERNS.get(colours);
  if (!cache) PATTERNS.set(colours, (cache = new PatternCache()));
  return cache;
}

// An open-addressing table from a pattern's two int32 halves to its coded blocks: a lookup per block is
// a hash and a compare or two, where nested Maps took two hashed lookups of their own.
class PatternCache {
  private his = new Int32Array(256);
  private los = new Int32Array(256);
  private blocks: (Coded[] | undefined)[] = new Array(256);
  private count = 0;
  constructor() {
    cachedBytes += tableBytes(this.his.length);
  }
  get(hi: number, lo: number): Coded[] | undefined {
    const mask = this.his.length - 1;
    for (let i = slot(hi, lo) & mask; ; i = (i + 1) & mask) {
      const found = this.blocks[i];
      if (found === undefined || (this.his[i] === hi && this.los[i] === lo)) return found;
    }
  }
  set(hi: number, lo: number, coded: Coded[]): void {
    if (2 * ++this.count > this.his.length) this.grow();
    this.place(hi, lo, coded);
  }
  private place(hi: number, lo: number, coded: Coded[]): void {
    const mask = this.his.length - 1;
    let i = slot(hi, lo) & mask;
    while (this.blocks[i] !== undefined) i = (i + 1) & mask;
    [this.his[i], this.los[i], this.blocks[i]] = [hi, lo, coded];
  }
  private grow(): void {
    const { his, los, blocks } = this;
    cachedBytes += tableBytes(his.length * 2);
    this.his = new Int32Array(his.length * 2);
    this.los = new Int32Array(his.length * 2);
    this.blocks = new Array(his.length * 2);
    for (let i = 0; i < his.length; i++) if (blocks[i] !== undefined) this.place(his[i]!, los[i]!, blocks[i]!);
  }
}

// A seeded mix (MurmurHash3's finalizer) of both halves: a caller who could choose block patterns cannot
// aim them at one slot, where probing would go quadratic.
const SEED = randomBytes(4).readInt32LE(0);
const fmix = (h: number) => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};
const slot = (hi: number, lo: number) => fmix(hi ^ fmix(lo ^ SEED));

/** The bitmap as a JPEG in the two colours (quality 95, 4:4:4), with JFIF density when a dpi is given. */
export function encodeBitmapJpeg(b: Bitmap, foreground: number[], background: number[], dpi?: number): Buffer {
  const { fg, bg, comps, cache } = colourSetup(foreground, background);
  const pixels = Buffer.from(b.bits.buffer, b.bits.byteOffset, b.bits.byteLength);
  const w = writeScan(
    Math.ceil(b.height / 8),
    (by) => sameBlockRow(b, pixels, by),
    (w, by) => writeBlockRow(w, b, by, cache, fg, bg),
  );
  return jpegFile(w, b.width, b.height, comps, dpi);
}

/**
 * A plain module matrix at its layout as a JPEG: the bytes encodeBitmapJpeg gives for its bitmap. Where every
 * 8x8 block lies inside one module or the margin (modules a multiple of 8 px, the margin too: a QR code at
 * its default scale), each block is blank or solid and is coded from its module without drawing a bitmap.
 */
export function encodeMatrixJpeg(
  m: Matrix,
  l: Layout,
  foreground: number[],
  background: number[],
  dpi?: number,
): Buffer {
  if (!blockAligned(l)) return encodeBitmapJpeg(matrixBitmap(m, l), foreground, background, dpi);
  const { fg, bg, comps, cache } = colourSetup(foreground, background);
  const blank = codedPattern(cache, 0, 0, fg, bg);
  const solid = codedPattern(cache, -1, -1, fg, bg);
  const [bw, per] = [l.width >> 3, l.scale >> 3];
  // A block row's or column's module; -1 in the margin (blank, and the margin's rows copies of one another).
  const moduleAt = (b: number, margin: number, count: number) => {
    const k = b < margin >> 3 ? -1 : Math.floor((b - (margin >> 3)) / per);
    return k < count ? k : -1;
  };
  const columns = Int32Array.from({ length: bw }, (_, bx) => moduleAt(bx, l.left, m.cols));
  const w = writeScan(
    l.height >> 3,
    (by) => moduleAt(by, l.top, m.rows) === moduleAt(by - 1, l.top, m.rows),
    (w, by) => {
      const r = moduleAt(by, l.top, m.rows);
      const dc = DC_PREDICTIONS.fill(0);
      w.reserve(BLOCK_MAX_BYTES * comps * bw);
      for (let bx = 0; bx < bw; bx++) {
        const c = columns[bx]!;
        writeMcu(w, r >= 0 && c >= 0 && m.cells[r * m.cols + c] === 1 ? solid : blank, dc);
      }
      w.align();
    },
  );
  return jpegFile(w, l.width, l.height, comps, dpi);
}

// The entropy-coded scan, one restart interval per row of blocks: each starts on a byte with the DC
// predictions at zero, so a row that repeats the row above (most of a linear symbol, every pixel row of a
// module) is the same bytes, copied.
function writeScan(rows: number, sameAsAbove: (by: number) => boolean, code: (w: BitWriter, by: number) => void) {
  const w = new BitWriter();
  let [from, to] = [-1, -1];
  for (let by = 0; by < rows; by++) {
    if (by > 0) w.marker(0xd0 + ((by - 1) & 7)); // RST0..RST7 in turn
    const start = w.size;
    if (by > 0 && sameAsAbove(by)) w.copy(from, to);
    else code(w, by);
    [from, to] = [start, w.size];
  }
  return w;
}

// One block per component (one MCU), each DC predicted from the component's last.
function writeMcu(w: BitWriter, blocks: Coded[], dc: Int32Array): void {
  dc[0] = writeBlock(w, blocks[0]!, dc[0]!, TABLES[0]!);
  for (let c = 1; c < blocks.length; c++) dc[c] = writeBlock(w, blocks[c]!, dc[c]!, TABLES[1]!);
}

/** Whether every 8x8 block of the layout lies inside one module or the margin. */
export const blockAligned = (l: Layout) =>
  l.scale % 8 === 0 && l.left % 8 === 0 && l.top % 8 === 0 && l.width % 8 === 0 && l.height % 8 === 0;

function colourSetup(foreground: number[], background: number[]) {
  const grey = foreground.every((c) => c === foreground[0]) && background.every((c) => c === background[0]);
  const fg = grey ? [foreground[0]!] : toYcc(foreground);
  const bg = grey ? [background[0]!] : toYcc(background);
  return { fg, bg, comps: fg.length, cache: patternCache(`${fg.join()}/${bg.join()}`) };
}

function jpegFile(w: BitWriter, width: number, height: number, comps: number, dpi: number | undefined): Buffer {
  const head = headers(width, height, comps, dpi);
  const scan = w.bytes();
  const out = Buffer.allocUnsafe(head.length + scan.length + 2);
  out.set(head, 0);
  out.set(scan, head.length);
  out[out.length - 2] = 0xff; // EOI
  out[out.length - 1] = 0xd9;
  return out;
}

// Scratch of writeBlockRow, kept: a typed array per block row cost more than coding a row of a small symbol.
const ROW_STARTS = new Int32Array(8);
const EDGE_ROWS = new Uint8Array(8);
const DC_PREDICTIONS = new Int32Array(3);

// One row of blocks, each block's pattern read as two int32 halves of its eight row bytes (the keys of
// PatternCache). Neighbours often share a pattern (blank margin, solid modules), so the last one's coding
// is kept without a lookup.
function writeBlockRow(w: BitWriter, b: Bitmap, by: number, cache: PatternCache, fg: number[], bg: number[]): void {
  const { bits, stride } = b;
  const comps = fg.length;
  const at = ROW_STARTS;
  for (let j = 0; j < 8; j++) at[j] = Math.min(by * 8 + j, b.height - 1) * stride;
  const [a0, a1, a2, a3] = [at[0]!, at[1]!, at[2]!, at[3]!];
  const [a4, a5, a6, a7] = [at[4]!, at[5]!, at[6]!, at[7]!];
  const whole = b.width >> 3; // block columns with all eight pixels inside the image
  const rows = EDGE_ROWS;
  const dc = DC_PREDICTIONS.fill(0);
  let [lastHi, lastLo, blocks] = [0, 0, undefined as Coded[] | undefined];
  for (let bx = 0; bx < stride; bx++) {
    let hi: number;
    let lo: number;
    if (bx < whole) {
      hi = (bits[a0 + bx]! << 24) | (bits[a1 + bx]! << 16) | (bits[a2 + bx]! << 8) | bits[a3 + bx]!;
      lo = (bits[a4 + bx]! << 24) | (bits[a5 + bx]! << 16) | (bits[a6 + bx]! << 8) | bits[a7 + bx]!;
    } else {
      edgeBlockRows(b, bx, at, rows);
      hi = (rows[0]! << 24) | (rows[1]! << 16) | (rows[2]! << 8) | rows[3]!;
      lo = (rows[4]! << 24) | (rows[5]! << 16) | (rows[6]! << 8) | rows[7]!;
    }
    if (blocks === undefined || hi !== lastHi || lo !== lastLo) {
      blocks = codedPattern(cache, hi, lo, fg, bg);
      [lastHi, lastLo] = [hi, lo];
    }
    w.reserve(BLOCK_MAX_BYTES * comps);
    writeMcu(w, blocks, dc);
  }
  w.align();
}

function codedPattern(cache: PatternCache, hi: number, lo: number, fg: number[], bg: number[]): Coded[] {
  let blocks = cache.get(hi, lo);
  if (!blocks) {
    const rows = Uint8Array.of(hi >>> 24, hi >>> 16, hi >>> 8, hi, lo >>> 24, lo >>> 16, lo >>> 8, lo);
    blocks = quantized(rows, fg, bg).map((q, c) => codeBlock(q, TABLES[c === 0 ? 0 : 1]!));
    cache.set(hi, lo, blocks);
    for (const coded of blocks) cachedBytes += coded.ac.length + OBJECT_BYTES;
  }
  return blocks;
}

// The last block column's row bytes when the image ends inside it: its edge pixel repeated to the right.
function edgeBlockRows(b: Bitmap, bx: number, at: Int32Array, rows: Uint8Array): void {
  const lastCol = b.width - 1 - bx * 8;
  const keep = (0xff << (7 - lastCol)) & 0xff;
  for (let j = 0; j < 8; j++) {
    const byte = b.bits[at[j]! + bx]!;
    const edge = (byte >> (7 - lastCol)) & 1;
    rows[j] = (byte & keep) | (edge ? ~keep & 0xff : 0);
  }
}

// Whether the eight pixel rows of block row `by` (the last row repeated past the bottom) equal those above.
// Whole block rows are one native compare of adjacent memory: bars repeat down most of a linear symbol.
function sameBlockRow(b: Bitmap, pixels: Buffer, by: number): boolean {
  const span = 8 * b.stride;
  const at = by * span;
  if (by * 8 + 8 <= b.height) return pixels.compare(pixels, at - span, at, at, at + span) === 0;
  const last = b.height - 1;
  for (let j = 0; j < 8; j++) {
    const y = Math.min(by * 8 + j, last) * b.stride;
    const up = Math.min((by - 1) * 8 + j, last) * b.stride;
    for (let i = 0; i < b.stride; i++) if (b.bits[y + i] !== b.bits[up + i]) return false;
  }
  return true;
}

// DCT of one pattern per component: c_bg everywhere plus (c_fg - c_bg) where inked, level-shifted by 128.
function quantized(rows: Uint8Array, fg: number[], bg: number[]): Int16Array[] {
  const dct = new Float64Array(64);
  for (let u = 0; u < 8; u++)
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) sum += COS[v * 8 + y]! * ROW_DCT[rows[y]! * 8 + u]!;
      dct[v * 8 + u] = sum;
    }
  return fg.map((f, c) => {
    const q = QUANT[c === 0 ? 0 : 1]!;
    const out = new Int16Array(64);
    for (let z = 0; z < 64; z++) {
      const k = ZIGZAG[z]!;
      const value = (f - bg[c]!) * dct[k]! + (k === 0 ? 8 * (bg[c]! - 128) : 0);
      out[z] = Math.round(value / q[k]!);
    }
    return out;
  });
}

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
}

// The quantization and Huffman tables by component count: the same bytes in every image.
const TABLE_SEGMENTS = [1, 3].map((comps) => {
  const out: number[] = [];
  for (let t = 0; t < Math.min(comps, 2); t++)
    out.push(
      ...segment(
        0xdb,
        [t, ...ZIGZAG].map((k, i) => (i === 0 ? k : QUANT[t]![k]!)),
      ),
    );
  const specs: [number, HuffSpec][] = [
    [0x00, DC_LUMA],
    [0x10, AC_LUMA],
  ];
  if (comps > 1) specs.push([0x01, DC_CHROMA], [0x11, AC_CHROMA]);
  for (const [id, s] of specs) out.push(...segment(0xc4, [id, ...s.counts, ...s.symbols]));
  return Buffer.from(out);
});

// Headers by size, components and density: the same few recur render after render. Bounded: a caller
// asking for many sizes makes the memo start over, never grow.
const HEADERS = new Map<string, Buffer>();
const HEADERS_KEPT = 256;

function headers(width: number, height: number, comps: number, dpi?: number): Buffer {
  const key = `${width}x${height}/${comps}/${dpi ?? ''}`;
  let kept = HEADERS.get(key);
  if (!kept) {
    if (HEADERS.size >= HEADERS_KEPT) HEADERS.clear();
    HEADERS.set(key, (kept = headerBytes(width, height, comps, dpi)));
  }
  return kept;
}

function headerBytes(width: number, height: number, comps: number, dpi?: number): Buffer {
  const density = dpi === undefined ? [0, 0, 1, 0, 1] : [1, dpi >> 8, dpi & 0xff, dpi >> 8, dpi & 0xff];
  const start = [0xff, 0xd8, ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, ...density, 0, 0])];
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, comps];
  for (let c = 0; c < comps; c++) sof.push(c + 1, 0x11, c === 0 ? 0 : 1);
  const frame = segment(0xc0, sof);
  const interval = Math.ceil(width / 8); // restart after every row of blocks (MCUs of one block per component)
  frame.push(...segment(0xdd, [interval >> 8, interval & 0xff]));
  const sos = [comps];
  for (let c = 0; c < comps; c++) sos.push(c + 1, c === 0 ? 0x00 : 0x11);
  const scan = segment(0xda, [...sos, 0, 63, 0]);
  // Tables before the frame header, as libjpeg writes them.
  return Buffer.concat([
    Buffer.from(start),
    TABLE_SEGMENTS[comps === 1 ? 0 : 1]!,
    Buffer.from(frame),
    Buffer.from(scan),
  ]);
}
