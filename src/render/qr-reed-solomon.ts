// qrcode computes each block's error-correction codewords by building the generator polynomial again for
// every block of every symbol (a new array per factor multiplied in) and dividing by it with a copy of the
// remainder per step: after the mask and segment patches, that was a third of a QR render's allocations.
// Here each degree's generator, from qrcode's own generateECPolynomial, is kept with its coefficients'
// logarithms, and the remainder is computed in place, one shift-register step per data codeword: the same
// polynomial division over the same field, so the same codewords into a fresh array, as qrcode's encode returns.
import { createRequire } from 'node:module';

type Encoder = { degree: number; genPoly: Uint8Array | undefined };
type EncoderPrototype = {
  initialize(this: Encoder, degree: number): void;
  encode(this: Encoder, data: Uint8Array): Uint8Array;
};

const requireCjs = createRequire(import.meta.url);
const encoderPrototype = (requireCjs('qrcode/lib/core/reed-solomon-encoder.js') as { prototype: EncoderPrototype })
  .prototype;
const generateECPolynomial = (
  requireCjs('qrcode/lib/core/polynomial.js') as { generateECPolynomial(degree: number): Uint8Array }
).generateECPolynomial;
const field = requireCjs('qrcode/lib/core/galois-field.js') as { exp(n: number): number; log(n: number): number };

// GF(256) with QR's polynomial, from qrcode's own tables: EXP doubled so that a sum of two logarithms
// needs no reduction modulo 255.
const EXP = Uint8Array.from({ length: 510 }, (_, i) => field.exp(i % 255));
const LOG = Int16Array.from({ length: 256 }, (_, n) => (n === 0 ? -1 : field.log(n)));

/** A generator's coefficients after the leading 1, as logarithms (-1 for a zero coefficient). */
const generators = new Map<number, { poly: Uint8Array; logs: Int16Array }>();

function generatorOf(degree: number): { poly: Uint8Array; logs: Int16Array } {
  let generator = generators.get(degree);
  if (!generator) {
    const poly = generateECPolynomial(degree);
    generator = { poly, logs: Int16Array.from(poly.subarray(1), (c) => LOG[c]!) };
    generators.set(degree, generator);
  }
  return generator;
}

/** The remainder of data·x^degree divided by the degree's generator: the block's EC codewords. */
export function errorCorrection(data: Uint8Array, degree: number): Uint8Array {
  const { logs } = generatorOf(degree);
  const ec = new Uint8Array(degree);
  const last = degree - 1;
  for (let i = 0; i < data.length; i++) {
    const factor = data[i]! ^ ec[0]!;
    if (factor === 0) {
      ec.copyWithin(0, 1);
      ec[last] = 0;
      continue;
    }
    const f = LOG[factor]!;
    for (let j = 0; j < last; j++) {
      const g = logs[j]!;
      ec[j] = ec[j + 1]! ^ (g < 0 ? 0 : EXP[g + f]!);
    }
    const g = logs[last]!;
    ec[last] = g < 0 ? 0 : EXP[g + f]!;
  }
  return ec;
}

/** qrcode's own encoder methods, kept for the equivalence test and the bench's as-shipped baselines. */
export const originalEncoder: Readonly<EncoderPrototype> = {
  initialize: encoderPrototype.initialize,
  encode: encoderPrototype.encode,
};

// qrcode.js makes a ReedSolomonEncoder per symbol and calls these through its prototype, so replacing
// them here reaches every QRCode.create.
export const fastEncoder: Readonly<EncoderPrototype> = {
  initialize(degree) {
    this.degree = degree;
    this.genPoly = generatorOf(degree).poly;
  },
  encode(data) {
    if (!this.genPoly) throw new Error('Encoder not initialized');
    return errorCorrection(data, this.degree);
  },
};

Object.assign(encoderPrototype, fastEncoder);
