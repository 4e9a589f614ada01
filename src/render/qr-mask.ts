// qrcode spends most of QRCode.create choosing the mask: eight times it applies a mask, scores
// it and undoes it, through a method call and a switch per module, and scores each penalty in its
// own pass. Here the modules and the reserved (function) modules are packed into bit rows and bit
// columns once; each mask's matrix is then a word-wise xor into scratch, scored in one pass per
// line by qr-mask-penalty.ts. The penalties are qrcode's own (N1–N4 as it implements them) and the
// format bits are still written per mask by qrcode's own function, so every QRCode.create picks
// the same mask and gives the same matrix, faster.
import { createRequire } from 'node:module';
import { lineShape, scorePacked, type LineShape, type Penalties } from './qr-mask-penalty.ts';

type BitMatrix = { size: number; data: Uint8Array; reservedBit: Uint8Array };
type MaskFunctions = {
  applyMask(pattern: number, data: BitMatrix): void;
  getBestMask(data: BitMatrix, setupFormat: (pattern: number) => void): number;
};

const MASKS: ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

const patternCache = new Map<number, Uint8Array[]>();

/** The eight mask patterns for a symbol size, computed once per size. */
function patternsFor(size: number): Uint8Array[] {
  let patterns = patternCache.get(size);
  if (!patterns) {
    patterns = MASKS.map((mask) => {
      const bits = new Uint8Array(size * size);
      for (let row = 0; row < size; row++)
        for (let col = 0; col < size; col++) bits[row * size + col] = mask(row, col) ? 1 : 0;
      return bits;
    });
    patternCache.set(size, patterns);
  }
  return patterns;
}

/** A matrix of one bit per module as bit rows and, line i being column i, bit columns. */
type Packed = { rows: Int32Array; cols: Int32Array };

/** Per-size state: the geometry, the packed mask patterns, and scratch reused by every symbol. */
type SizeTables = {
  shape: LineShape;
  patterns: Packed[];
  modules: Packed;
  reserved: Packed;
  masked: Packed;
};

function emptyPacked({ size, words }: LineShape): Packed {
  return { rows: new Int32Array(size * words), cols: new Int32Array(size * words) };
}

/** Packs one byte per module (0 or 1, row-major) into `into`. */
function pack(bits: Uint8Array, { size, words }: LineShape, into: Packed): Packed {
  const { rows, cols } = into;
  rows.fill(0);
  cols.fill(0);
  for (let row = 0, i = 0; row < size; row++) {
    for (let col = 0; col < size; col++, i++) {
      const bit = bits[i]!;
      rows[row * words + (col >> 5)]! |= bit << (col & 31);
      cols[col * words + (row >> 5)]! |= bit << (row & 31);
    }
  }
  return into;
}

const tableCache = new Map<number, SizeTables>();

function tablesFor(size: number): SizeTables {
  let tables = tableCache.get(size);
  if (!tables) {
    const shape = lineShape(size);
    const patterns = patternsFor(size).map((bits) => pack(bits, shape, emptyPacked(shape)));
    tables = { shape, patterns, modules: emptyPacked(shape), reserved: emptyPacked(shape), masked: emptyPacked(shape) };
    tableCache.set(size, tables);
  }
  return tables;
}

/** Sets bit `bit` of word `index` to `value` (0 or 1). */
function putBit(words: Int32Array, index: number, bit: number, value: number): void {
  words[index] = (words[index]! & ~(1 << bit)) | (value << bit);
}

/**
 * Re-reads row 8 and column 8, where qrcode's setupFormat writes the format bits, into the packed
 * modules: they differ per mask, so the other modules are packed once and these per mask.
 */
function repackFormatLines({ size, data }: BitMatrix, { shape: { words }, modules }: SizeTables): void {
  for (let k = 0; k < size; k++) {
    const inRow8 = data[8 * size + k]!;
    putBit(modules.rows, 8 * words + (k >> 5), k & 31, inRow8);
    putBit(modules.cols, k * words, 8, inRow8);
    const inCol8 = data[k * size + 8]!;
    putBit(modules.rows, k * words, 8, inCol8);
    putBit(modules.cols, 8 * words + (k >> 5), k & 31, inCol8);
  }
}

/** Xors a mask pattern into the non-reserved modules, word by word, into `into`. */
function maskInto(modules: Int32Array, pattern: Int32Array, reserved: Int32Array, into: Int32Array): void {
  for (let i = 0; i < modules.length; i++) into[i] = modules[i]! ^ (pattern[i]! & ~reserved[i]!);
}

/**
 * qrcode's penalty for each of the eight masks of `matrix`, written into `scores`: setupFormat(p)
 * puts mask p's format bits into the matrix before it is scored, as qrcode's getBestMask does.
 * The matrix is left as qrcode's own leaves it: unmasked, with the last mask's format bits.
 */
export function scoreMasks(matrix: BitMatrix, setupFormat: (pattern: number) => void, scores: Int32Array): void {
  const tables = tablesFor(matrix.size);
  const { shape, patterns, modules, reserved, masked } = tables;
  pack(matrix.data, shape, modules);
  pack(matrix.reservedBit, shape, reserved);
  for (let p = 0; p < patterns.length; p++) {
    setupFormat(p);
    repackFormatLines(matrix, tables);
    maskInto(modules.rows, patterns[p]!.rows, reserved.rows, masked.rows);
    maskInto(modules.cols, patterns[p]!.cols, reserved.cols, masked.cols);
    scores[p] = scorePacked(masked.rows, masked.cols, shape);
  }
}

/** qrcode's four penalties for `matrix` as it stands (no mask applied). */
export function penaltiesOf(matrix: BitMatrix): Penalties {
  const { shape, modules } = tablesFor(matrix.size);
  pack(matrix.data, shape, modules);
  const penalties = { n1: 0, n2: 0, n3: 0, n4: 0 };
  scorePacked(modules.rows, modules.cols, shape, penalties);
  return penalties;
}

const scores = new Int32Array(8);

export const fastMaskFunctions: MaskFunctions = {
  applyMask(pattern, matrix) {
    const bits = patternsFor(matrix.size)[pattern]!;
    const { data, reservedBit } = matrix;
    for (let i = 0; i < data.length; i++) if (!reservedBit[i]) data[i]! ^= bits[i]!;
  },
  getBestMask(matrix, setupFormat) {
    scoreMasks(matrix, setupFormat, scores);
    // The first of the lowest, as qrcode's own (strictly lower replaces).
    let best = 0;
    for (let p = 1; p < scores.length; p++) if (scores[p]! < scores[best]!) best = p;
    return best;
  },
};

type QrcodeMaskPattern = MaskFunctions & {
  getPenaltyN1(data: BitMatrix): number;
  getPenaltyN2(data: BitMatrix): number;
  getPenaltyN3(data: BitMatrix): number;
  getPenaltyN4(data: BitMatrix): number;
};

// qrcode.js calls MaskPattern.getBestMask and .applyMask through this module object, so
// replacing them here reaches every QRCode.create.
const maskPattern = createRequire(import.meta.url)('qrcode/lib/core/mask-pattern.js') as QrcodeMaskPattern;

/** qrcode's own implementations, kept for the equivalence test and the bench's as-shipped baselines. */
export const originalMaskFunctions: Readonly<QrcodeMaskPattern> = {
  applyMask: maskPattern.applyMask,
  getBestMask: maskPattern.getBestMask,
  getPenaltyN1: maskPattern.getPenaltyN1,
  getPenaltyN2: maskPattern.getPenaltyN2,
  getPenaltyN3: maskPattern.getPenaltyN3,
  getPenaltyN4: maskPattern.getPenaltyN4,
};

Object.assign(maskPattern, fastMaskFunctions);
