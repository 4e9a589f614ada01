// The four ISO 18004 mask penalties exactly as qrcode scores them (including its N3, which counts
// 11-module windows 0x5d0 / 0x05d, and its N4 rounding), over lines of modules packed 32 to a
// 32-bit word: bit b of word w is module 32w + b. Comparing a line with itself shifted by k
// modules tests 32 positions at once, so each penalty is a handful of bitwise operations and a
// popcount per word instead of a step per module.

/** Per-size geometry: words per line and, per word, the positions where a window may start. */
export type LineShape = {
  size: number;
  words: number;
  /** Positions s with s + 1 < size: the left column of a 2×2 block (N2). */
  pairStarts: Int32Array;
  /** Positions s with s + 4 < size: the first of five equal modules (N1). */
  runStarts: Int32Array;
  /** Positions s with s + 10 < size: the first of an 11-module finder-like window (N3). */
  finderStarts: Int32Array;
};

/** The components of a score, in qrcode's units (already weighted). */
export type Penalties = { n1: number; n2: number; n3: number; n4: number };

const N2 = 3;
const N3 = 40;
const N4 = 10;

/** Word masks with the bits of positions 0..last set, line by line the same for every line. */
function startsUpTo(last: number, words: number): Int32Array {
  const masks = new Int32Array(words);
  for (let s = 0; s <= last; s++) masks[s >> 5]! |= 1 << (s & 31);
  return masks;
}

/** The geometry of a symbol of `size` modules a side. */
export function lineShape(size: number): LineShape {
  const words = (size + 31) >> 5;
  return {
    size,
    words,
    pairStarts: startsUpTo(size - 2, words),
    runStarts: startsUpTo(size - 5, words),
    finderStarts: startsUpTo(size - 11, words),
  };
}

/** Set bits in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Adds the N1 points and the N3 windows of the line at `base` in `lines` to `tally`. */
function scoreLine(lines: Int32Array, base: number, shape: LineShape, tally: Int32Array): void {
  const { words, runStarts, finderStarts } = shape;
  let runPoints = 0;
  let finders = 0;
  let carry = 0;
  for (let w = 0; w < words; w++) {
    const m0 = lines[base + w]!;
    const hi = w + 1 < words ? lines[base + w + 1]! : 0;
    // mk: the module k places further along, for the 32 start positions of this word.
    const m1 = (m0 >>> 1) | (hi << 31);
    const m2 = (m0 >>> 2) | (hi << 30);
    const m3 = (m0 >>> 3) | (hi << 29);
    const m4 = (m0 >>> 4) | (hi << 28);
    // N1: a run of r ≥ 5 equal modules costs 3 + (r - 5) (qrcode's N1 is 3), which is its r - 4
    // windows of five equal modules plus 2 for the run's first window.
    const five = ~((m0 ^ m1) | (m1 ^ m2) | (m2 ^ m3) | (m3 ^ m4)) & runStarts[w]!;
    const firstOfRun = five & ~((five << 1) | carry);
    carry = five >>> 31;
    runPoints += popcount(five) + 2 * popcount(firstOfRun);
    // N3: dark-light-dark×3-light-dark with four light modules after it (0x5d0) or before it (0x05d).
    const m5 = (m0 >>> 5) | (hi << 27);
    const m6 = (m0 >>> 6) | (hi << 26);
    const m7 = (m0 >>> 7) | (hi << 25);
    const m8 = (m0 >>> 8) | (hi << 24);
    const m9 = (m0 >>> 9) | (hi << 23);
    const m10 = (m0 >>> 10) | (hi << 22);
    const after = m0 & ~m1 & m2 & m3 & m4 & ~m5 & m6 & ~(m7 | m8 | m9 | m10);
    const before = ~(m0 | m1 | m2 | m3) & m4 & ~m5 & m6 & m7 & m8 & ~m9 & m10;
    // The two never start at the same position (one starts dark, the other light).
    finders += popcount((after | before) & finderStarts[w]!);
  }
  tally[0]! += runPoints;
  tally[1]! += finders;
}

/** 2×2 blocks of one colour whose top row is the line at `top` and bottom row at `bottom`. */
function countBlocks(rows: Int32Array, top: number, bottom: number, shape: LineShape): number {
  const { words, pairStarts } = shape;
  let blocks = 0;
  for (let w = 0; w < words; w++) {
    const a = rows[top + w]!;
    const b = rows[bottom + w]!;
    const aHi = w + 1 < words ? rows[top + w + 1]! : 0;
    const bHi = w + 1 < words ? rows[bottom + w + 1]! : 0;
    const a1 = (a >>> 1) | (aHi << 31);
    const b1 = (b >>> 1) | (bHi << 31);
    blocks += popcount(~((a ^ b) | (a1 ^ b1) | (a ^ a1)) & pairStarts[w]!);
  }
  return blocks;
}

const tally = new Int32Array(2);

/**
 * Scores a matrix given as packed rows and the same modules packed as columns (line i of `cols`
 * is column i), writing the components into `out` when given, and returns the total.
 */
export function scorePacked(rows: Int32Array, cols: Int32Array, shape: LineShape, out?: Penalties): number {
  const { size, words } = shape;
  tally.fill(0);
  let blocks = 0;
  let dark = 0;
  for (let line = 0, base = 0; line < size; line++, base += words) {
    scoreLine(rows, base, shape, tally);
    scoreLine(cols, base, shape, tally);
    if (line > 0) blocks += countBlocks(rows, base - words, base, shape);
    for (let w = 0; w < words; w++) dark += popcount(rows[base + w]!);
  }
  const n1 = tally[0]!;
  const n2 = blocks * N2;
  const n3 = tally[1]! * N3;
  // qrcode's own expression, term for term, so the floating-point rounding is the same.
  const n4 = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10) * N4;
  if (out) Object.assign(out, { n1, n2, n3, n4 });
  return n1 + n2 + n3 + n4;
}
