import { createRequire } from 'node:module';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { afterAll, expect, it } from 'vitest';
import { fastMaskFunctions, originalMaskFunctions } from '../../../src/render/qr-mask.ts';

const maskPattern = createRequire(import.meta.url)('qrcode/lib/core/mask-pattern.js') as Record<string, unknown>;
afterAll(() => Object.assign(maskPattern, fastMaskFunctions));

function createWith(functions: typeof fastMaskFunctions, data: string, ecc: QRCode.QRCodeErrorCorrectionLevel) {
  Object.assign(maskPattern, functions);
  return QRCode.create(data, { errorCorrectionLevel: ecc });
}

it('chooses the same mask and produces the same matrix as qrcode itself', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
      fc.constantFrom('L', 'M', 'Q', 'H'),
      (data, ecc) => {
        const theirs = createWith(originalMaskFunctions, data, ecc as QRCode.QRCodeErrorCorrectionLevel);
        const ours = createWith(fastMaskFunctions, data, ecc as QRCode.QRCodeErrorCorrectionLevel);
        expect(ours.maskPattern).toBe(theirs.maskPattern);
        expect(Buffer.from(ours.modules.data).equals(Buffer.from(theirs.modules.data))).toBe(true);
      },
    ),
    { numRuns: 300 },
  );
});

it('scores every mask of a symbol exactly as qrcode does', () => {
  const symbol = createWith(originalMaskFunctions, 'https://example.com/products/widgets?id=123456', 'M');
  const matrix = symbol.modules as unknown as { size: number; data: Uint8Array; reservedBit: Uint8Array };
  // Copies that keep qrcode's BitMatrix methods, which its own functions call.
  const copy = () =>
    Object.assign(Object.create(Object.getPrototypeOf(matrix)), {
      ...matrix,
      data: Uint8Array.from(matrix.data),
    }) as typeof matrix;
  for (let pattern = 0; pattern < 8; pattern++) {
    const theirs = copy();
    const ours = copy();
    originalMaskFunctions.applyMask(pattern, theirs);
    fastMaskFunctions.applyMask(pattern, ours);
    expect(Buffer.from(ours.data).equals(Buffer.from(theirs.data))).toBe(true);
    for (const n of ['getPenaltyN1', 'getPenaltyN2', 'getPenaltyN3', 'getPenaltyN4'] as const) {
      expect(fastMaskFunctions[n](ours), `${n} mask ${pattern}`).toBe(originalMaskFunctions[n](theirs));
    }
  }
});
