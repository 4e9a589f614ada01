// Random valid data per linear symbology (and MaxiCode), for the property tests that compare our drawing
// with bwip-js's: every generated string is accepted by normalizeRenderSpec.
import fc from 'fast-check';
import type { SymbologyId } from '../../../src/domain/symbologies.ts';

const digits = (min: number, max = min) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
const gs1Tail = fc.option(fc.stringMatching(/^\(10\)[A-Z0-9]{1,12}$/), { nil: '' });

/** An arbitrary of data strings the symbology accepts (check digits are completed by normalization). */
export const LINEAR_DATA: Partial<Record<SymbologyId, fc.Arbitrary<string>>> = {
  ean13: digits(12),
  ean8: digits(7),
  upca: digits(11),
  upce: fc.tuple(fc.constantFrom('0', '1'), digits(6)).map(([a, b]) => a + b),
  itf14: digits(13),
  interleaved2of5: fc.integer({ min: 1, max: 15 }).chain((n) => digits(2 * n)),
  code128: fc.stringMatching(/^[\x20-\x7e]{1,30}$/),
  'gs1-128': fc.tuple(digits(13), gs1Tail).map(([gtin, tail]) => `(01)${gtin}${tail}`),
  code39: fc.stringMatching(/^[0-9A-Z \-.$/+%]{1,20}$/),
  code93: fc.stringMatching(/^[\x20-\x7e]{1,20}$/),
  codabar: fc
    .tuple(fc.constantFrom('A', 'B', 'C', 'D'), fc.stringMatching(/^[0-9\-$:/.+]{1,16}$/))
    .map(([s, d]) => `${s}${d}B`),
  databaromni: digits(13),
  databarexpanded: fc.tuple(digits(13), gs1Tail).map(([gtin, tail]) => `(01)${gtin}${tail}`),
};

export const LINEAR_IDS = Object.keys(LINEAR_DATA) as SymbologyId[];

/** The symbologies that take an EAN-2/EAN-5 add-on, and arbitrary add-ons (leading zeros included). */
export const ADDON_IDS = ['ean13', 'upca', 'upce'] as const satisfies readonly SymbologyId[];
export const ADDON = fc.oneof(digits(2), digits(5));

/** A run count from the environment (so a script can ask for more than npm test runs), else the default. */
export function runs(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
