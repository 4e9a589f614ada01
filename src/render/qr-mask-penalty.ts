// The four ISO 18004 mask penalties exactly as qrcode scores them (including its N3, which counts
// 11-module windows 0x5d0 / 0x05d, and its N4 rounding), over a matrix packed 32 lines to a word:
// word k·words + g holds module k of lines 32g..32g+31, one line per bit. Stepping along the lines
// is then stepping to the next word, so a sliding window of eleven words tests 32 lines at once
// with a few bitwise operations and a popcount, and the masked words are made as the window
// reaches them (no masked copy of the matrix).

/** A matrix of one bit per module, packed both ways: `rows` holds the rows and `cols` the columns. */
export type Packed = { rows: Int32Array; cols: Int32Array };

/** Per-size geometry: words per packed position and which bits of each word are lines. */
export type LineShape = {
  size: number;
  words: number;
  /** Bits of lines that exist (the last word of a position has fewer than 32). */
  lineBits: Int32Array;
  /** Bits b of word g where lines 32g+b and 32g+b+1 both exist in that word (a 2×2 block's pair). */
  pairsInWord: Int32Array;
  /** Bits of positions s with s + 1 < size, as positions along a packed line (the cross-word pairs). */
  pairStarts: Int32Array;
};

/** The components of a score, in qrcode's units (already weighted). */
export type Penalties = { n1: number; n2: number; n3: number; n4: number };

const N2 = 3;
const N3 = 40;
const N4 = 10;

/** Word masks with the bits of positions 0..last set. */
function bitsUpTo(last: number, words: number): Int32Array {
  const masks = new Int32Array(words);
  for (let s = 0; s <= last; s++) masks[s >> 5]! |= 1 << (s & 31);
  return masks;
}

/** The geometry of a symbol of `size` modules a side. */
export function lineShape(size: number): LineShape {
  const words = (size + 31) >> 5;
  const pairStarts = bitsUpTo(size - 2, words);
  return {
    size,
    words,
    lineBits: bitsUpTo(size - 1, words),
    pairsInWord: pairStarts.map((w) => w & 0x7fffffff),
    pairStarts,
  };
}

/** Set bits in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Running totals of one scoring: N1 points, N3 windows, 2×2 blocks, dark modules. */
const tally = new Int32Array(4);

/**
 * Walks 32 lines at a time along `modules` masked by `pattern` where `reserved` is clear, adding
 * N1 points and N3 windows to the tally; with `blocksToo`, also the 2×2 blocks whose line pair
 * lies within one word and the dark modules (which one direction of the matrix counts).
 */
function scoreAlong(
  modules: Int32Array,
  pattern: Int32Array,
  reserved: Int32Array,
  shape: LineShape,
  blocksToo: boolean,
) {
  const { size, words, lineBits, pairsInWord } = shape;
  let runPoints = 0;
  let finders = 0;
  let blocks = 0;
  let dark = 0;
  for (let g = 0; g < words; g++) {
    const lines = lineBits[g]!;
    const pairs = pairsInWord[g]!;
    // x0..x10: positions j-10..j of the 32 lines; dk = xk ^ xk+1 (where neighbours differ).
    let x1 = 0,
      x2 = 0,
      x3 = 0,
      x4 = 0,
      x5 = 0,
      x6 = 0,
      x7 = 0,
      x8 = 0,
      x9 = 0,
      x10 = 0;
    let d6 = 0,
      d7 = 0,
      d8 = 0;
    let previousFive = 0;
    for (let j = 0, at = g; j < size; j++, at += words) {
      const x0 = x1;
      x1 = x2;
      x2 = x3;
      x3 = x4;
      x4 = x5;
      x5 = x6;
      x6 = x7;
      x7 = x8;
      x8 = x9;
      x9 = x10;
      x10 = modules[at]! ^ (pattern[at]! & ~reserved[at]!);
      const d9 = x9 ^ x10;
      if (blocksToo) {
        dark += popcount(x10);
        // Positions j-1 and j alike in line b and in line b+1, and line b alike with b+1 at j-1.
        const block = j > 0 ? ~d9 & (~d9 >>> 1) & ~(x9 ^ (x9 >>> 1)) & pairs : 0;
        if (block !== 0) blocks += popcount(block);
      }
      if (j >= 4) {
        // N1: a run of r ≥ 5 equal modules costs 3 + (r - 5) (qrcode's N1 is 3), which is its
        // r - 4 windows of five equal modules plus 2 for the run's first window.
        const five = ~(d6 | d7 | d8 | d9) & lines;
        if (five !== 0) runPoints += popcount(five) + 2 * popcount(five & ~previousFive);
        previousFive = five;
      }
      d6 = d7;
      d7 = d8;
      d8 = d9;
      if (j >= 10) {
        // N3: 1011101 then 0000 (0x5d0), or 0000 then 1011101 (0x05d). Both have x1, x5, x9 light
        // and x4, x6 dark; the first has x0 = x2 = x3 dark and x7 = x8 = x10 light, the second the reverse.
        const same = ~((x0 ^ x2) | (x0 ^ x3) | (x7 ^ x8) | (x7 ^ x10));
        const found = ~(x1 | x5 | x9) & x4 & x6 & same & (x0 ^ x7);
        if (found !== 0) finders += popcount(found);
      }
    }
  }
  tally[0]! += runPoints;
  tally[1]! += finders;
  tally[2]! += blocks;
  tally[3]! += dark;
}

/** Masked word `at` of packed lines. */
function maskedAt(modules: Int32Array, pattern: Int32Array, reserved: Int32Array, at: number): number {
  return modules[at]! ^ (pattern[at]! & ~reserved[at]!);
}

/**
 * The 2×2 blocks scoreAlong leaves out, those whose pair of rows straddles two words of a column
 * (rows 32g+31 and 32g+32), counted along those two rows of the packed rows.
 */
function blocksAcrossWords(modules: Int32Array, pattern: Int32Array, reserved: Int32Array, shape: LineShape): number {
  const { words, pairStarts } = shape;
  let blocks = 0;
  for (let g = 0; g + 1 < words; g++) {
    const top = (32 * g + 31) * words;
    const bottom = top + words;
    for (let w = 0; w < words; w++) {
      const a = maskedAt(modules, pattern, reserved, top + w);
      const b = maskedAt(modules, pattern, reserved, bottom + w);
      const last = w + 1 === words;
      const a1 = (a >>> 1) | (last ? 0 : maskedAt(modules, pattern, reserved, top + w + 1) << 31);
      const b1 = (b >>> 1) | (last ? 0 : maskedAt(modules, pattern, reserved, bottom + w + 1) << 31);
      blocks += popcount(~((a ^ b) | (a1 ^ b1) | (a ^ a1)) & pairStarts[w]!);
    }
  }
  return blocks;
}

/**
 * qrcode's penalty of `modules` masked by `pattern` outside `reserved`, all packed for `shape`;
 * writes the components into `out` when given.
 */
export function scoreMask(
  modules: Packed,
  pattern: Packed,
  reserved: Packed,
  shape: LineShape,
  out?: Penalties,
): number {
  tally.fill(0);
  // The packed rows step down the columns, so they give the columns' N1 and N3, and vice versa.
  scoreAlong(modules.rows, pattern.rows, reserved.rows, shape, false);
  scoreAlong(modules.cols, pattern.cols, reserved.cols, shape, true);
  const n1 = tally[0]!;
  const n2 = (tally[2]! + blocksAcrossWords(modules.rows, pattern.rows, reserved.rows, shape)) * N2;
  const n3 = tally[1]! * N3;
  // qrcode's own expression, term for term, so the floating-point rounding is the same.
  const n4 = Math.abs(Math.ceil((tally[3]! * 100) / (shape.size * shape.size) / 5) - 10) * N4;
  if (out) Object.assign(out, { n1, n2, n3, n4 });
  return n1 + n2 + n3 + n4;
}
