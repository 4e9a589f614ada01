// qrcode spends most of QRCode.create choosing the mask: eight times it applies a mask, scores
// it and undoes it, through a method call and a switch per module, and scores each penalty in its
// own pass. Here the modules and the reserved (function) modules are packed into 32-bit words once
// (qr-mask-pack.ts), and each mask is scored in one pass each way over the packed words, masking
// them as it reads them (qr-mask-penalty.ts). The penalties are qrcode's own (N1–N4 as it
// implements them) and the format bits are still written per mask by qrcode's own function, so
// every QRCode.create picks the same mask and gives the same matrix, faster.
import { createRequire } from 'node:module';
import { emptyPacked, pack } from './qr-mask-pack.ts';
import { lineShape, scoreMask, type LineShape, type Packed, type Penalties } from './qr-mask-penalty.ts';

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

/** Per-size state: the geometry, the packed mask patterns, and scratch reused by every symbol. */
type SizeTables = { shape: LineShape; patterns: Packed[]; modules: Packed; reserved: Packed; none: Packed };

const tableCache = new Map<number, SizeTables>();

function tablesFor(size: number): SizeTables {
  let tables = tableCache.get(size);
  if (!tables) {
    const shape = lineShape(size);
    const patterns = patternsFor(size).map((bits) => pack(bits, shape, emptyPacked(shape)));
    tables = { shape, patterns, modules: emptyPacked(shape), reserved: emptyPacked(shape), none: emptyPacked(shape) };
    tableCache.set(size, tables);
  }
  return tables;
}

/** Sets bit `bit` of word `index` to `value` (0 or 1). */
function putBit(words: Int32Array, index: number, bit: number, value: number): void {
  words[index] = (words[index]! & ~(1 << bit)) | (value << bit);
}

/**
 * Re-reads the format modules, which qrcode's setupFormat rewrites per mask, into the packed
 * modules: in row 8 and in column 8, positions 0–8 and the last eight (the dark module among them).
 */
function repackFormatModules({ size, data }: BitMatrix, { shape: { words }, modules }: SizeTables): void {
  for (let k = 0; k < size; k = k === 8 ? size - 8 : k + 1) {
    const inRow8 = data[8 * size + k]!;
    putBit(modules.rows, 8 * words + (k >> 5), k & 31, inRow8);
    putBit(modules.cols, k * words, 8, inRow8);
    const inCol8 = data[k * size + 8]!;
    putBit(modules.rows, k * words, 8, inCol8);
    putBit(modules.cols, 8 * words + (k >> 5), k & 31, inCol8);
  }
}

/**
 * qrcode's penalty for each of the eight masks of `matrix`, written into `scores`: setupFormat(p)
 * puts mask p's format bits into the matrix before it is scored, as qrcode's getBestMask does.
 * The matrix is left as qrcode's own leaves it: unmasked, with the last mask's format bits.
 */
export function scoreMasks(matrix: BitMatrix, setupFormat: (pattern: number) => void, scores: Int32Array): void {
  const tables = tablesFor(matrix.size);
  const { shape, patterns, modules, reserved } = tables;
  pack(matrix.data, shape, modules);
  pack(matrix.reservedBit, shape, reserved);
  for (let p = 0; p < patterns.length; p++) {
    setupFormat(p);
    repackFormatModules(matrix, tables);
    scores[p] = scoreMask(modules, patterns[p]!, reserved, shape);
  }
}

/** qrcode's four penalties for `matrix` as it stands (no mask applied). */
export function penaltiesOf(matrix: BitMatrix): Penalties {
  const { shape, modules, none } = tablesFor(matrix.size);
  pack(matrix.data, shape, modules);
  const penalties = { n1: 0, n2: 0, n3: 0, n4: 0 };
  scoreMask(modules, none, none, shape, penalties);
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
