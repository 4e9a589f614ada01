// Our EAN-13, EAN-8, UPC-A and UPC-E encoders (add-ons included) against BWIPP's own (bwip-js raw()), on
// random data with the options a render passes: every field raw() returns (bars and spaces, bar heights and
// bottoms, the text) must be the same. And beyond the data rule: wherever raw() refuses, ours hands back
// (undefined), so a check that uses ours refuses what BWIPP refuses. npm test runs NATIVE_ENCODER_RUNS
// (default 2,000) inputs per symbology; npm run test:property 100,000.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { BAR_HEIGHT_BOUNDS, getSymbology, type SymbologyId } from '../../../src/domain/symbologies.ts';
import { preflight } from '../../../src/render/index.ts';
import { encodeEan13, encodeEan8, encodeUpca, encodeUpce } from '../../../src/render/linear/ean.ts';
import { encodeWithBwip, type EncodeOptions, type LinearEncoding } from '../../../src/render/linear/encoding.ts';
import { encodeOptions } from '../../../src/render/linear/plan.ts';
import { ADDON, LINEAR_DATA, completedData, digitsWithStray, refusalCounts, runs } from './linear-data.ts';

const RUNS = runs('NATIVE_ENCODER_RUNS', 2_000);

type Encoder = (data: string, o: EncodeOptions) => LinearEncoding | undefined;
const ENCODERS: Record<'ean13' | 'ean8' | 'upca' | 'upce', Encoder> = {
  ean13: encodeEan13,
  ean8: encodeEan8,
  upca: encodeUpca,
  upce: encodeUpce,
};
const IDS = Object.keys(ENCODERS) as (keyof typeof ENCODERS)[];
const TAKES_ADDON: Record<keyof typeof ENCODERS, boolean> = { ean13: true, ean8: false, upca: true, upce: true };

const raw = (id: SymbologyId, data: string, o: EncodeOptions) => encodeWithBwip(getSymbology(id), data, o);

// The render options: text on or off, any bar height the catalog allows or none, an add-on of either
// length (leading zeros included) or none where the symbology takes one.
// (An add-on with its text takes bars of 13 modules or more: intake refuses shorter ones.)
const renderOptions = (takesAddon: boolean) =>
  fc
    .record(
      {
        include_text: fc.boolean(),
        bar_height: fc.integer(BAR_HEIGHT_BOUNDS),
        ...(takesAddon ? { addon: ADDON } : {}),
      },
      { requiredKeys: ['include_text'] },
    )
    .map((o) =>
      'addon' in o && o.include_text && o.bar_height !== undefined
        ? { ...o, bar_height: Math.max(13, o.bar_height) }
        : o,
    );

describe(`native EAN/UPC return what bwip-js raw() returns (${RUNS} random inputs each)`, () => {
  it.each(IDS)(
    '%s over random valid data and render options',
    (id) => {
      let withAddon = 0;
      fc.assert(
        fc.property(LINEAR_DATA[id]!, fc.boolean(), renderOptions(TAKES_ADDON[id]), (data, completed, opts) => {
          // The data as the catalog takes it: without its check digit, or with it (normalization adds it).
          const first = normalizeRenderSpec({ symbology: id, data, verify: false });
          if (!first.ok) expect.fail(JSON.stringify(first.issues));
          const r = normalizeRenderSpec({
            symbology: id,
            data: completed ? first.spec.data : data,
            verify: false,
            ...opts,
          });
          if (!r.ok) expect.fail(JSON.stringify(r.issues));
          const o = encodeOptions(r.spec);
          if (o.addon !== undefined) withAddon++;
          expect(ENCODERS[id](r.spec.data, o), JSON.stringify({ data: r.spec.data, o })).toStrictEqual(
            raw(id, r.spec.data, o),
          );
        }),
        { numRuns: RUNS },
      );
      if (TAKES_ADDON[id]) expect(withAddon).toBeGreaterThan(RUNS * 0.3);
    },
    600_000,
  );

  it('UPC-E over every number system and last digit (the expansion rules behind its check digit)', () => {
    for (const ns of ['0', '1'])
      for (let last = 0; last <= 9; last++) {
        const r = normalizeRenderSpec({ symbology: 'upce', data: `${ns}12345${last}`, include_text: true });
        if (!r.ok) expect.fail(JSON.stringify(r.issues));
        const o = encodeOptions(r.spec);
        expect(encodeUpce(r.spec.data, o), r.spec.data).toStrictEqual(raw('upce', r.spec.data, o));
      }
  });
});

// Strings near the data rule: digits of lengths around each symbology's (with and without the check digit,
// a wrong one often), a stray non-digit, number systems other than 0/1, add-ons of any length; and valid
// data with its check digit, so that ours answers too.
const randomDigits = digitsWithStray(5, 14, ['a', ' ', '-', '+']);
const nearData = (id: keyof typeof ENCODERS) => fc.oneof(randomDigits, completedData(id));
const nearOptions = fc
  .record(
    {
      includetext: fc.boolean(),
      height: fc.double({ min: 0.05, max: 7, noNaN: true }),
      addon: fc.oneof(fc.stringMatching(/^\d{0,6}$/), fc.stringMatching(/^[\dA]{2}$/)),
    },
    { requiredKeys: ['includetext'] },
  )
  .map(({ addon, ...o }): EncodeOptions => (addon ? { ...o, addon } : o)); // an empty add-on is none

describe('native EAN/UPC refuse what raw() refuses (a check may use them)', () => {
  it.each(IDS)(
    '%s: ours is undefined wherever raw() throws, and equal wherever ours answers',
    (id) => {
      const counts = refusalCounts(
        nearData(id),
        nearOptions,
        { ours: (data, o) => ENCODERS[id](data, o), raw: (data, o) => raw(id, data, o) },
        RUNS,
      );
      // Both sides are reached: most near misses are refused, some inputs are drawn.
      expect(counts['refused by BWIPP']).toBeGreaterThan(RUNS * 0.5);
      expect(counts.equal).toBeGreaterThan(0);
    },
    600_000,
  );

  it.each([
    ['ean13', '4006381333932', {}, /check digit/],
    ['upce', '01234565', { addon: '1234' }, /2- or 5-digit|addon/],
    ['ean8', '96385074', { addon: '12' }, /addon/],
  ] as const)('%s %s %o is refused, as before', (symbology, data, extra, reason) => {
    const r = normalizeRenderSpec({ symbology, data, ...extra });
    if (r.ok) {
      const issues = preflight(r.spec);
      expect(issues).toHaveLength(1);
      expect(issues[0]!.message).toMatch(reason);
    } else expect(JSON.stringify(r.issues)).toMatch(reason);
  });
});
