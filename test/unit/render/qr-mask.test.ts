import { createRequire } from 'node:module';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { afterAll, expect, it } from 'vitest';
import { fastMaskFunctions, originalMaskFunctions, penaltiesOf, scoreMasks } from '../../../src/render/qr-mask.ts';

type BitMatrix = { size: number; data: Uint8Array; reservedBit: Uint8Array };
type SetupFormat = (pattern: number) => void;

const require = createRequire(import.meta.url);
const maskPattern = require('qrcode/lib/core/mask-pattern.js') as Record<string, unknown>;
const Version = require('qrcode/lib/core/version.js') as {
  getCapacity(v: number, ecc: unknown, mode: unknown): number;
};
const Mode = require('qrcode/lib/core/mode.js') as Record<'NUMERIC' | 'ALPHANUMERIC' | 'BYTE', unknown>;
const Ecc = require('qrcode/lib/core/error-correction-level.js') as Record<'L' | 'M' | 'Q' | 'H', unknown>;
const BitMatrixClass = require('qrcode/lib/core/bit-matrix.js') as new (size: number) => BitMatrix;
afterAll(() => Object.assign(maskPattern, fastMaskFunctions));

const RUNS = Number(process.env.QR_MASK_RUNS ?? 200);
const ECC_LEVELS = ['L', 'M', 'Q', 'H'] as const;

// Characters per mode; UTF-8 takes 2- to 4-byte characters, which qrcode encodes as bytes.
const MODES = {
  numeric: { alphabet: [...'0123456789'], mode: 'NUMERIC' },
  alphanumeric: { alphabet: [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'], mode: 'ALPHANUMERIC' },
  byte: { alphabet: [...'abcdefghijklmnopqrstuvwxyz?&=#~!'], mode: 'BYTE' },
  utf8: { alphabet: [...'éüßñ€→漢字テスト😀🎉'], mode: 'BYTE' },
} as const;

/** A string of `mode`'s characters that fills about `share` of a version's capacity. */
function dataFor(
  version: number,
  ecc: (typeof ECC_LEVELS)[number],
  kind: keyof typeof MODES,
  share: number,
  seed: number,
) {
  const { alphabet, mode } = MODES[kind];
  const capacity = Version.getCapacity(version, Ecc[ecc], Mode[mode]);
  const budget = Math.max(1, Math.floor(capacity * share));
  let state = seed >>> 0 || 1;
  let data = '';
  for (;;) {
    state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9;
    const next = data + alphabet[(state >>> 8) % alphabet.length];
    if (Buffer.byteLength(next) > budget) return data || next;
    data = next;
  }
}

/** qrcode's own scoring of each mask: its getBestMask's loop, with its own functions. */
function referencePenalties(matrix: BitMatrix, setupFormat: SetupFormat): number[] {
  const o = originalMaskFunctions;
  return Array.from({ length: 8 }, (_, p) => {
    setupFormat(p);
    o.applyMask(p, matrix);
    const penalty = o.getPenaltyN1(matrix) + o.getPenaltyN2(matrix) + o.getPenaltyN3(matrix) + o.getPenaltyN4(matrix);
    o.applyMask(p, matrix);
    return penalty;
  });
}

/** Runs `body` inside a QRCode.create, on its unmasked matrix, in place of getBestMask. */
function duringCreate(data: string, options: QRCode.QRCodeOptions, body: (m: BitMatrix, f: SetupFormat) => number) {
  Object.assign(maskPattern, fastMaskFunctions, { getBestMask: body });
  try {
    return QRCode.create(data, options);
  } finally {
    Object.assign(maskPattern, fastMaskFunctions);
  }
}

it('scores every mask as qrcode does and picks the mask its own getBestMask picks, versions 1–40', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(...ECC_LEVELS),
      fc.constantFrom(...(Object.keys(MODES) as (keyof typeof MODES)[])),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer(),
      (version, ecc, kind, share, seed) => {
        const data = dataFor(version, ecc, kind, share, seed);
        const symbol = duringCreate(data, { version, errorCorrectionLevel: ecc }, (matrix, setupFormat) => {
          const expected = referencePenalties(matrix, setupFormat);
          Object.assign(maskPattern, originalMaskFunctions);
          const theirMask = originalMaskFunctions.getBestMask(matrix, setupFormat);
          const leftByTheirs = Uint8Array.from(matrix.data);
          const scores = new Int32Array(8);
          scoreMasks(matrix, setupFormat, scores);
          expect([...scores]).toEqual(expected);
          expect(Buffer.from(matrix.data).equals(Buffer.from(leftByTheirs))).toBe(true);
          const ourMask = fastMaskFunctions.getBestMask(matrix, setupFormat);
          expect(ourMask).toBe(theirMask);
          expect(scores[ourMask]).toBe(Math.min(...expected));
          return ourMask;
        });
        expect(symbol.version).toBe(version);
      },
    ),
    { numRuns: RUNS },
  );
});

it('gives QRCode.create the same matrix with and without the patch', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
      fc.constantFrom(...ECC_LEVELS),
      (data, ecc) => {
        Object.assign(maskPattern, originalMaskFunctions);
        const theirs = QRCode.create(data, { errorCorrectionLevel: ecc });
        Object.assign(maskPattern, fastMaskFunctions);
        const ours = QRCode.create(data, { errorCorrectionLevel: ecc });
        expect(ours.maskPattern).toBe(theirs.maskPattern);
        expect(Buffer.from(ours.modules.data).equals(Buffer.from(theirs.modules.data))).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
});

/**
 * A matrix of one of three kinds: noise of a given darkness, or rows (or columns) of runs whose
 * lengths favour finder-like 1:1:3:1:1 windows and runs of five or more, so that both fall across
 * the 32-module word edges and at the ends of lines.
 */
function randomMatrix(size: number, kind: 'noise' | 'rows' | 'columns', darkShare: number, seed: number): BitMatrix {
  const matrix = new BitMatrixClass(size);
  let state = seed >>> 0 || 1;
  const next = () => {
    state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9;
    return (state >>> 8) / 0x1000000;
  };
  const RUNS_OF = [1, 1, 1, 3, 4, 4, 5, 6, 7];
  for (let line = 0; line < size; line++) {
    let dark = next() < 0.5 ? 1 : 0;
    let left = 0;
    for (let k = 0; k < size; k++) {
      if (left === 0) {
        left = RUNS_OF[Math.floor(next() * RUNS_OF.length)]!;
        dark ^= 1;
      }
      left--;
      const bit = kind === 'noise' ? (next() < darkShare ? 1 : 0) : dark;
      matrix.data[kind === 'columns' ? k * size + line : line * size + k] = bit;
    }
  }
  return matrix;
}

it('scores N1–N4 of any matrix of any symbol size as qrcode does', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom('noise', 'rows', 'columns'),
      fc.constantFrom(0.5, 0.5, 0.4, 0.6, 0.1, 0.9),
      fc.integer(),
      (version, kind, darkShare, seed) => {
        const matrix = randomMatrix(17 + 4 * version, kind, darkShare, seed);
        const o = originalMaskFunctions;
        expect(penaltiesOf(matrix)).toEqual({
          n1: o.getPenaltyN1(matrix),
          n2: o.getPenaltyN2(matrix),
          n3: o.getPenaltyN3(matrix),
          n4: o.getPenaltyN4(matrix),
        });
      },
    ),
    { numRuns: RUNS },
  );
});
