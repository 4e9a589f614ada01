// Our ITF-14, Interleaved 2 of 5, Code 39, Code 93 and Codabar encoders against BWIPP's own (bwip-js raw()), on random data
// with the options a render passes: every field raw() returns (bars and spaces, bar heights and bottoms,
// the text) must be the same. And near the data rule: wherever raw() refuses, ours hands back
// (undefined), so a check that uses ours refuses what BWIPP refuses. npm test runs NATIVE_ENCODER_RUNS
// (default 2,000) inputs per symbology; npm run test:property 100,000.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { BAR_HEIGHT_BOUNDS, SYMBOLOGY_IDS, getSymbology, type SymbologyId } from '../../../src/domain/symbologies.ts';
import { encodeCode39 } from '../../../src/render/linear/code39.ts';
import { encodeCode93 } from '../../../src/render/linear/code93.ts';
import { encodeCodabar } from '../../../src/render/linear/codabar.ts';
import { encodeWithBwip, type EncodeOptions, type LinearEncoding } from '../../../src/render/linear/encoding.ts';
import { encodeInterleaved2of5, encodeItf14 } from '../../../src/render/linear/itf.ts';
import { encodeOptions, nativeEncoder } from '../../../src/render/linear/plan.ts';
import { LINEAR_DATA, completedData, digitsWithStray, refusalCounts, runs } from './linear-data.ts';

const RUNS = runs('NATIVE_ENCODER_RUNS', 2_000);

type Encoder = (data: string, o: EncodeOptions) => LinearEncoding | undefined;
const ENCODERS: Record<'itf14' | 'interleaved2of5' | 'code39' | 'code93' | 'codabar', Encoder> = {
  itf14: encodeItf14,
  interleaved2of5: encodeInterleaved2of5,
  code39: encodeCode39,
  code93: encodeCode93,
  codabar: encodeCodabar,
};
const IDS = Object.keys(ENCODERS) as (keyof typeof ENCODERS)[];

const raw = (id: SymbologyId, data: string, o: EncodeOptions) => encodeWithBwip(getSymbology(id), data, o);

// The render options: text on or off, any bar height the catalog allows or none.
const renderOptions = fc.record(
  { include_text: fc.boolean(), bar_height: fc.integer(BAR_HEIGHT_BOUNDS) },
  { requiredKeys: ['include_text'] },
);

describe(`native ITF-14, Interleaved 2 of 5, Code 39, Code 93 and Codabar return what bwip-js raw() returns (${RUNS} random inputs each)`, () => {
  it.each(IDS)(
    '%s over random valid data and render options',
    (id) => {
      let ours = 0;
      fc.assert(
        fc.property(LINEAR_DATA[id]!, renderOptions, (data, opts) => {
          // The data as the catalog takes it (ITF-14's check digit completed by normalization).
          const r = normalizeRenderSpec({ symbology: id, data, verify: false, ...opts });
          if (!r.ok) expect.fail(JSON.stringify(r.issues));
          const o = encodeOptions(r.spec);
          const encoded = ENCODERS[id](r.spec.data, o);
          if (encoded) ours++;
          expect(encoded, JSON.stringify({ data: r.spec.data, o })).toStrictEqual(raw(id, r.spec.data, o));
        }),
        { numRuns: RUNS },
      );
      // Every accepted input is drawn by ours, none left to raw().
      expect(ours).toBe(RUNS);
    },
    600_000,
  );
});

// Strings near each data rule: digits of lengths around ITF-14's and of either parity, a wrong check digit
// often; Code 39's characters with lowercase, other ASCII and non-ASCII mixed in, and the empty string;
// Code 93's ASCII with control characters and non-ASCII, and lengths either side of BWIPP's limit on the
// data and on its shift-spelled message (83 lowercase letters spell 498 characters, 84 spell 504);
// Codabar's characters anywhere (start and stop characters inside, body characters at the ends,
// lowercase), of 0-20 characters and either side of BWIPP's limit; and over-long input past it.
const nearDigits = digitsWithStray(0, 16, ['a', ' ', '-', '\u00e9']);
const code39Near = fc.oneof(
  fc.string({
    unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%az*\u00c4\u00ff\u0100'),
    maxLength: 20,
  }),
  fc.stringMatching(/^[0-9A-Z]{495,505}$/),
);
const code93Near = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 130 }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.stringMatching(/^[a-z]{82,85}$/),
  fc.stringMatching(/^[A-Z]{497,503}$/),
);
const codabarNear = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789-$:/.+ABCDabcdE*'), maxLength: 20 }),
  fc
    .tuple(
      fc.constantFrom('A', 'B', 'C', 'D'),
      fc.stringMatching(/^[0-9\-$:/.+]{0,20}$/),
      fc.constantFrom('A', 'D', 'a', '1'),
    )
    .map(([start, body, stop]) => start + body + stop),
  fc.stringMatching(/^A\d{496,500}B$/),
);
const NEAR: Record<keyof typeof ENCODERS, fc.Arbitrary<string>> = {
  itf14: fc.oneof(nearDigits, completedData('itf14')),
  interleaved2of5: fc.oneof(nearDigits, fc.stringMatching(/^\d{498,502}$/)),
  code39: code39Near,
  code93: code93Near,
  codabar: codabarNear,
};
const nearOptions = fc.record(
  { includetext: fc.boolean(), height: fc.double({ min: 0.05, max: 7, noNaN: true }) },
  { requiredKeys: ['includetext'] },
);

describe('native ITF-14, Interleaved 2 of 5, Code 39, Code 93 and Codabar refuse what raw() refuses (a check may use them)', () => {
  it.each(IDS)(
    '%s: ours is undefined wherever raw() throws, and equal wherever ours answers',
    (id) => {
      const counts = refusalCounts(
        NEAR[id],
        nearOptions,
        { ours: (data, o) => ENCODERS[id](data, o), raw: (data, o) => raw(id, data, o) },
        RUNS,
      );
      // Both sides are reached: near misses are refused, valid inputs are drawn.
      expect(counts['refused by BWIPP']).toBeGreaterThan(RUNS * 0.1);
      expect(counts.equal).toBeGreaterThan(RUNS * 0.05);
    },
    600_000,
  );
});

// The property tests prove the encoders render uses: code128.test.ts Code 128 and GS1-128, ean.test.ts EAN/UPC,
// this file the rest. An encoder added to plan.ts's NATIVE without a property test fails here.
it('every symbology render encodes natively is proven by a property test, with the very function it uses', () => {
  const proven = ['code128', 'gs1-128', 'ean13', 'ean8', 'upca', 'upce', ...IDS];
  expect(SYMBOLOGY_IDS.filter((id) => nativeEncoder(id)).sort()).toEqual([...proven].sort());
  for (const id of IDS) expect(nativeEncoder(id), id).toBe(ENCODERS[id]);
});
