// The vector read-back's scanners (verification reads a delivered SVG, PDF or EPS through them): each is
// held to the regular expression it replaced, on strings drawn from the characters that matter to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPaintOps, tokenize } from '../../../src/render/paint.ts';
import { numbers } from '../../../src/render/vector.ts';

const RUNS = 20_000;
const textOf = (alphabet: string) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 });

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

  it('a procedure is read once per name, and what it leaves stacked goes to the next operator', () => {
    const asked: string[] = [];
    const procs: Record<string, string> = { G0: '3', G1: '0 0 m' };
    const drawing = readPaintOps('1 1 1 rg 0 0 m f* 0 0 0 rg G1 G0 4 l G1 G0 4 l f*', 2, 2, 'f*', (name) => {
      asked.push(name);
      return procs[name];
    });
    expect(drawing.shapes).toEqual([
      {
        fill: '#000000',
        d: [
          ['M', 0, 0],
          ['L', 3, 4],
          ['M', 0, 0],
          ['L', 3, 4],
        ],
      },
    ]);
    expect(asked).toEqual(['G1', 'G0']);
  });
});
