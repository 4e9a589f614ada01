// qrcode spends most of QRCode.create choosing the mask: eight times apply the mask, score it, undo
// it, through a method call and a switch per module. These are the same algorithms (ISO 18004
// penalties N1–N4, as qrcode implements them) over the flat typed arrays, installed in place of
// qrcode's so that every QRCode.create picks the same mask and gives the same matrix, faster.
import { createRequire } from 'node:module';

type BitMatrix = { size: number; data: Uint8Array; reservedBit: Uint8Array };
type MaskFunctions = {
  applyMask(pattern: number, data: BitMatrix): void;
  getPenaltyN1(data: BitMatrix): number;
  getPenaltyN2(data: BitMatrix): number;
  getPenaltyN3(data: BitMatrix): number;
  getPenaltyN4(data: BitMatrix): number;
};

const N1 = 3;
const N2 = 3;
const N3 = 40;
const N4 = 10;

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

export const fastMaskFunctions: MaskFunctions = {
  applyMask(pattern, matrix) {
    const bits = patternsFor(matrix.size)[pattern]!;
    const { data, reservedBit } = matrix;
    for (let i = 0; i < data.length; i++) if (!reservedBit[i]) data[i]! ^= bits[i]!;
  },
  getPenaltyN1({ size, data }) {
    let points = 0;
    for (let a = 0; a < size; a++) {
      let rowRun = 0;
      let colRun = 0;
      let rowLast = -1;
      let colLast = -1;
      for (let b = 0; b < size; b++) {
        const inRow = data[a * size + b]!;
        if (inRow === rowLast) rowRun++;
        else {
          if (rowRun >= 5) points += N1 + (rowRun - 5);
          rowLast = inRow;
          rowRun = 1;
        }
        const inCol = data[b * size + a]!;
        if (inCol === colLast) colRun++;
        else {
          if (colRun >= 5) points += N1 + (colRun - 5);
          colLast = inCol;
          colRun = 1;
        }
      }
      if (rowRun >= 5) points += N1 + (rowRun - 5);
      if (colRun >= 5) points += N1 + (colRun - 5);
    }
    return points;
  },
  getPenaltyN2({ size, data }) {
    let blocks = 0;
    for (let row = 0; row < size - 1; row++) {
      for (let col = 0; col < size - 1; col++) {
        const i = row * size + col;
        const sum = data[i]! + data[i + 1]! + data[i + size]! + data[i + size + 1]!;
        if (sum === 4 || sum === 0) blocks++;
      }
    }
    return blocks * N2;
  },
  getPenaltyN3({ size, data }) {
    let found = 0;
    for (let a = 0; a < size; a++) {
      let rowBits = 0;
      let colBits = 0;
      for (let b = 0; b < size; b++) {
        rowBits = ((rowBits << 1) & 0x7ff) | data[a * size + b]!;
        if (b >= 10 && (rowBits === 0x5d0 || rowBits === 0x05d)) found++;
        colBits = ((colBits << 1) & 0x7ff) | data[b * size + a]!;
        if (b >= 10 && (colBits === 0x5d0 || colBits === 0x05d)) found++;
      }
    }
    return found * N3;
  },
  getPenaltyN4({ data }) {
    let dark = 0;
    for (let i = 0; i < data.length; i++) dark += data[i]!;
    return Math.abs(Math.ceil((dark * 100) / data.length / 5) - 10) * N4;
  },
};

const maskPattern = createRequire(import.meta.url)('qrcode/lib/core/mask-pattern.js') as MaskFunctions;

/** qrcode's own implementations, kept for the equivalence test. */
export const originalMaskFunctions: MaskFunctions = {
  applyMask: maskPattern.applyMask,
  getPenaltyN1: maskPattern.getPenaltyN1,
  getPenaltyN2: maskPattern.getPenaltyN2,
  getPenaltyN3: maskPattern.getPenaltyN3,
  getPenaltyN4: maskPattern.getPenaltyN4,
};

Object.assign(maskPattern, fastMaskFunctions);
