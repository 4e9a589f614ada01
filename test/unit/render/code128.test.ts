// Our Code 128 and GS1-128 encoders against BWIPP's own (bwip-js raw()), on random data with the options a
// render passes: every field raw() returns (bars and spaces, bar heights and bottoms, the text) must be
// the same. npm test runs NATIVE_ENCODER_RUNS (default 2,000) inputs each; npm run test:property 100,000.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { BAR_HEIGHT_BOUNDS, getSymbology } from '../../../src/domain/symbologies.ts';
import { preflight } from '../../../src/render/index.ts';
import { encodeCode128, encodeGs1128 } from '../../../src/render/linear/code128.ts';
import { encodeWithBwip, type EncodeOptions, type LinearEncoding } from '../../../src/render/linear/encoding.ts';
import { encodeOptions } from '../../../src/render/linear/plan.ts';
import { GS1_ELEMENT_STRINGS, runs } from './linear-data.ts';

const RUNS = runs('NATIVE_ENCODER_RUNS', 2_000);

// Runs of digits of every length and parity between characters of each code set, so that every switch to
// and from set C, every shift and every start the encoder can choose is reached.
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const segment = (chars: string[], maxLength = 4) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength });
const digitRun = segment(range(48, 57), 13);
const code128Data = (others: fc.Arbitrary<string>[]) =>
  fc.array(fc.oneof(digitRun, ...others), { minLength: 1, maxLength: 12 }).map((parts) => parts.join('').slice(0, 80));
const PRINTABLE = code128Data([
  segment(range(0x20, 0x7e)),
  segment(range(0x41, 0x5a)), // A-Z
  segment(range(0x60, 0x7e)), // set B only
  segment([...range(0x20, 0x2f), ...range(0x3a, 0x40), ...range(0x5b, 0x5f)]),
]);
const ALL_ASCII = code128Data([
  segment([...range(0, 0x1f), '\x7f']),
  segment(range(0x60, 0x7f)),
  segment(range(0x20, 0x7e)),
]);

const renderOptions = fc.record(
  { include_text: fc.boolean(), bar_height: fc.integer(BAR_HEIGHT_BOUNDS) },
  { requiredKeys: ['include_text'] },
);

type Outcome = 'equal' | 'refused by BWIPP' | 'not valid';

// Native and raw() for one spec; raw() refusing is an outcome (what preflight is for), a difference fails.
function compare(
  symbology: 'code128' | 'gs1-128',
  data: string,
  opts: Record<string, unknown>,
  native: (data: string, o: EncodeOptions) => LinearEncoding | undefined,
): Outcome {
  const r = normalizeRenderSpec({ symbology, data, verify: false, ...opts });
  if (!r.ok) return 'not valid';
  const o = encodeOptions(r.spec);
  let theirs: LinearEncoding;
  try {
    theirs = encodeWithBwip(getSymbology(symbology), r.spec.data, o);
  } catch {
    return 'refused by BWIPP';
  }
  expect(native(r.spec.data, o), JSON.stringify({ data: r.spec.data, o })).toStrictEqual(theirs);
  return 'equal';
}

function tally(): { counts: Record<Outcome, number>; add: (o: Outcome) => void } {
  const counts: Record<Outcome, number> = { equal: 0, 'refused by BWIPP': 0, 'not valid': 0 };
  return {
    counts,
    add: (o) => {
      counts[o]++;
    },
  };
}

describe(`native Code 128 and GS1-128 return what bwip-js raw() returns (${RUNS} random inputs each)`, () => {
  it('Code 128 over printable ASCII (the data rule), digit runs of every length and parity', () => {
    const { counts, add } = tally();
    fc.assert(
      fc.property(PRINTABLE, renderOptions, (data, opts) => add(compare('code128', data, opts, encodeCode128))),
      { numRuns: RUNS },
    );
    // BWIPP's code128 takes every printable string: none refused, and the generator makes valid data.
    expect(counts).toEqual({ equal: RUNS, 'refused by BWIPP': 0, 'not valid': 0 });
  }, 600_000);

  it('Code 128 over all of ASCII, control characters too (beyond the data rule, as the encoder claims)', () => {
    fc.assert(
      fc.property(
        ALL_ASCII,
        fc.option(fc.double({ min: 0.01, max: 5, noNaN: true }), { nil: undefined }),
        (data, h) => {
          const o: EncodeOptions = { includetext: true, ...(h === undefined ? {} : { height: h }) };
          expect(encodeCode128(data, o), JSON.stringify(data)).toStrictEqual(
            encodeWithBwip(getSymbology('code128'), data, o),
          );
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('GS1-128 over random valid element strings (1 to 4 elements of the AIs we know)', () => {
    const { counts, add } = tally();
    fc.assert(
      fc.property(GS1_ELEMENT_STRINGS, renderOptions, (data, opts) =>
        add(compare('gs1-128', data, opts, encodeGs1128)),
      ),
      { numRuns: RUNS },
    );
    // The generator shapes values as BWIPP lints them: most reach its encoder (it refuses repeated AIs
    // with differing values, exclusive pairs and the like, which preflight answers with raw()).
    expect(counts.equal).toBeGreaterThan(RUNS * 0.75);
  }, 600_000);
});

describe('GS1-128 data our validation accepts and BWIPP refuses', () => {
  it.each([
    ['(01)09506000134352(02)09506000134352', /mutually exclusive/],
    ['(421)1234', /Unknown country code/],
    ['(400)ABC(400)DEF', /must have the same value/],
  ])('%s is refused at preflight with BWIPP’s reason', (data, reason) => {
    const r = normalizeRenderSpec({ symbology: 'gs1-128', data });
    if (!r.ok) expect.fail(JSON.stringify(r.issues));
    const issues = preflight(r.spec);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'data' });
    expect(issues[0]!.message).toMatch(reason);
  });
});
