// Our Aztec encoder (src/render/aztec.ts) against BWIPP's own (bwip-js raw() with the options a render
// passes): the same symbol module for module, and where raw() refuses, the same refusal. The inputs mix
// every mode's characters, the pairs punctuation mode codes as one, runs of bytes around the 31/32-byte
// length change, and Latin-1 past ASCII (which bwip-js hands BWIPP as UTF-8). npm test runs
// AZTEC_ENCODER_RUNS (default 2,000) short inputs and a few up to the catalog's 3,832 characters;
// npm run test:property 100,000.
import bwipjs from 'bwip-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getSymbology } from '../../../src/domain/symbologies.ts';
import { encodeAztec } from '../../../src/render/aztec.ts';
import { failure } from '../../../src/render/bwip.ts';
import { runs } from './linear-data.ts';

const RUNS = runs('AZTEC_ENCODER_RUNS', 2_000);
const AZTEC = getSymbology('azteccode');

const chars = (s: string) => fc.constantFrom(...s);
const PIECE = fc.oneof(
  { weight: 4, arbitrary: chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ ') },
  { weight: 4, arbitrary: chars('abcdefghijklmnopqrstuvwxyz') },
  { weight: 4, arbitrary: chars('0123456789,.') },
  { weight: 3, arbitrary: chars('!"#$%&\'()*+-/:;<=>?[]{}') },
  { weight: 2, arbitrary: chars('\x01\x07\x0d\x1b\x1f@\\^_`|~\x7f') },
  { weight: 3, arbitrary: fc.constantFrom('\r\n', '. ', ', ', ': ') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 40 }))
      .map(([c, n]) => String.fromCharCode(c).repeat(n)),
  },
);
const text = (maxPieces: number) => fc.array(PIECE, { minLength: 1, maxLength: maxPieces }).map((p) => p.join(''));

// What a render of the data gets from bwip-js: its matrix, or its refusal as the API words it.
function reference(data: string): { matrix: number[]; size: number } | { refusal: string } {
  try {
    const [first] = bwipjs.raw('azteccode', data, {} as never) as { pixs: number[]; pixx: number }[];
    return { matrix: first!.pixs, size: first!.pixx };
  } catch (err) {
    return { refusal: failure(AZTEC, err).message };
  }
}

function expectSame(data: string): 'drawn' | 'refused' | 'left' {
  const ours = encodeAztec(data);
  const ref = reference(data);
  const label = JSON.stringify(data);
  if (ours === undefined) return 'left';
  if ('refusal' in ref) {
    expect(ours.ok, label).toBe(false);
    if (!ours.ok) expect(failure(AZTEC, new Error(ours.message)).message, label).toBe(ref.refusal);
    return 'refused';
  }
  expect(ours.ok, label).toBe(true);
  if (!ours.ok) return 'refused';
  expect([ours.matrix.cols, ours.matrix.rows], label).toStrictEqual([ref.size, ref.size]);
  expect(Array.from(ours.matrix.cells), label).toStrictEqual(ref.matrix);
  return 'drawn';
}

describe('our Aztec encoder draws what bwip-js raw() draws', () => {
  it(`module for module, on ${RUNS} random texts`, () => {
    const seen = { drawn: 0, refused: 0, left: 0 };
    fc.assert(
      fc.property(text(60), (data) => {
        seen[expectSame(data)]++;
      }),
      { numRuns: RUNS },
    );
    // Every one of these is ours to draw: none is left to bwip-js.
    expect(seen).toStrictEqual({ drawn: RUNS, refused: 0, left: 0 });
  }, 600_000);

  it('at every size up to the catalog limit, and refuses what BWIPP refuses', () => {
    const long = (unit: string, n: number) =>
      Array.from({ length: n }, (_, k) => unit[(k * 7919) % unit.length]).join('');
    const fits = [
      ...[1, 31, 32, 33, 100, 700, 1500, 1914, 3067, 3832].map((n) => long('0123456789', n)),
      ...[300, 1000, 3067].map((n) => long('ABCDEFGHIJKLMNOPQRSTUVWXYZ', n)),
      ...[31, 32, 33, 1000].map((n) => long('\x00\x80\xff\x1b\xe9', n)),
      ...[500, 1400].map((n) => long('Ab1. ,:\r\n@\x00\xe9', n)),
    ];
    const tooLong = [
      long('0123456789', 3900),
      long('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3100),
      long('\x00\x80\xff\x1b\xe9', 1500),
      long('Ab1. ,:\r\n@\x00\xe9', 1914),
      '\xe9'.repeat(1100), // one run of 2,200 bytes: past what one byte shift counts
    ];
    expect(fits.map(expectSame)).toStrictEqual(fits.map(() => 'drawn'));
    expect(tooLong.map(expectSame)).toStrictEqual(tooLong.map(() => 'refused'));
  }, 600_000);

  it('leaves to bwip-js only what it does not follow', () => {
    expect(encodeAztec('\u0100')).toBeUndefined();
    expect(encodeAztec('')).toBeUndefined();
    expect(encodeAztec('\xe9'.repeat(2400))).toBeUndefined(); // 4,800 bytes as UTF-8: BWIPP's own limit
  });
});
