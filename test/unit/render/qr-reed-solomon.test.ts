import { createRequire } from 'node:module';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { afterAll, expect, it } from 'vitest';
import { errorCorrection, fastEncoder, originalEncoder } from '../../../src/render/qr-reed-solomon.ts';

type Encoder = { encode(data: Uint8Array): Uint8Array };
const require = createRequire(import.meta.url);
const ReedSolomonEncoder = require('qrcode/lib/core/reed-solomon-encoder.js') as {
  new (degree: number): Encoder;
  prototype: object;
};
afterAll(() => Object.assign(ReedSolomonEncoder.prototype, fastEncoder));

const RUNS = Number(process.env.QR_RS_RUNS ?? 2000);

/** qrcode's own encoder, as it ships, for one block. */
function theirs(data: Uint8Array, degree: number): Uint8Array {
  Object.assign(ReedSolomonEncoder.prototype, originalEncoder);
  try {
    return new ReedSolomonEncoder(degree).encode(data);
  } finally {
    Object.assign(ReedSolomonEncoder.prototype, fastEncoder);
  }
}

it('computes the codewords qrcode computes, for any block and degree', () => {
  fc.assert(
    fc.property(
      // QR uses degrees 7–30 and blocks of 1–153 codewords; wider on both sides (empty data too), and data with leading
      // and trailing zero codewords (the division's zero steps) as often as not.
      fc.integer({ min: 1, max: 68 }),
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.nat({ max: 8 }),
      fc.nat({ max: 8 }),
      (degree, body, leading, trailing) => {
        const data = new Uint8Array([...new Uint8Array(leading), ...body, ...new Uint8Array(trailing)]);
        const ours = errorCorrection(data, degree);
        expect(ours.length).toBe(degree);
        expect([...ours]).toEqual([...theirs(data, degree)]);
      },
    ),
    { numRuns: RUNS },
  );
});

it('returns a fresh array per block, as qrcode stores each', () => {
  const encoder = new ReedSolomonEncoder(10);
  const a = encoder.encode(Uint8Array.of(1, 2, 3));
  const b = encoder.encode(Uint8Array.of(4, 5, 6));
  expect(a).not.toBe(b);
  expect([...a]).toEqual([...theirs(Uint8Array.of(1, 2, 3), 10)]);
});

it('gives QRCode.create the same matrix with and without the patch, every version and level', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom('L', 'M', 'Q', 'H'),
      (data, version, ecc) => {
        const make = () => QRCode.create(data, { errorCorrectionLevel: ecc, version });
        Object.assign(ReedSolomonEncoder.prototype, originalEncoder);
        let expected: Uint8Array;
        try {
          expected = make().modules.data;
        } catch {
          return; // too small a version for this data: nothing to compare
        } finally {
          Object.assign(ReedSolomonEncoder.prototype, fastEncoder);
        }
        expect(Buffer.from(make().modules.data).equals(Buffer.from(expected))).toBe(true);
      },
    ),
    { numRuns: Math.max(1, RUNS / 10) },
  );
});
