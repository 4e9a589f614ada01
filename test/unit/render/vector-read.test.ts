// The vector read-back's scanners (verification reads a delivered SVG, PDF or EPS through them): each is
// held to the regular expression it replaced, on strings drawn from the characters that matter to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../src/render/paint.ts';
import { numbers } from '../../../src/render/vector.ts';

const RUNS = 20_000;
const textOf = (alphabet: string) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }).map((s) => s);

describe('vector read-back scanners', () => {
  it('numbers finds what /-?\\d*\\.?\\d+(?:e-?\\d+)?/gi finds', () => {
    const reference = (s: string) => (s.match(/-?\d*\.?\d+(?:e-?\d+)?/gi) ?? []).map(Number);
    fc.assert(
      fc.property(textOf('0123456789.-eE ,MLCZhvx'), (s) => {
        expect(numbers(s)).toEqual(reference(s));
      }),
      { numRuns: RUNS },
    );
  });

  it('tokenize splits as split(/\\s+/) does, numbers as /^-?[\\d.]+$/ reads them, brackets dropped', () => {
    const reference = (ops: string) =>
      ops
        .split(/\s+/)
        .filter((t) => t !== '' && t !== '[' && t !== ']')
        .map((t) => (/^-?[\d.]+$/.test(t) ? Number(t) : t));
    fc.assert(
      fc.property(textOf('0123456789.-[]/Gfmlc* \n\t\r\u000b\u000c\u00a0\u0001\u0085'), (ops) => {
        expect(tokenize(ops)).toEqual(reference(ops));
      }),
      { numRuns: RUNS },
    );
  });
});
