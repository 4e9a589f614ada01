// Random valid data per linear symbology (and MaxiCode), for the property tests that compare our drawing
// with bwip-js's: every generated string is accepted by normalizeRenderSpec.
import fc from 'fast-check';
import { expect } from 'vitest';
import { aiRule } from '../../../src/domain/gs1.ts';
import { gs1CheckDigit, normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
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
    .tuple(fc.constantFrom('A', 'B', 'C', 'D'), fc.stringMatching(/^[0-9\-$:/.+]{2,16}$/))
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

// GS1 element strings over the AIs our validation knows (src/domain/gs1.ts), each value of a valid shape:
// lengths within the AI's, check digits and dates right, and where BWIPP lints a structure (country and
// currency codes, a GRAI's leading zero, piece of total) one it accepts, so most strings reach its encoder.
const CSET82_NO_PARENS = `!"%&'*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const cset82 = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...CSET82_NO_PARENS), minLength: min, maxLength: max });
const withCheckDigit = (body: fc.Arbitrary<string>) => body.map((d) => d + String(gs1CheckDigit(d)));
const pad2 = (n: number) => String(n).padStart(2, '0');
const date = (firstDay: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: firstDay, max: 28 }))
    .map(([y, m, d]) => pad2(y) + pad2(m) + pad2(d));
const yymmdd = date(0); // day 00: the end of the month, for the date AIs
const yymmddStrict = date(1);
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => pad2(h) + pad2(m));
const country = fc.constantFrom('250', '276', '380', '528', '826', '840');
const currency = fc.constantFrom('978', '826', '840', '756');

/** The value arbitrary for an AI, shaped as BWIPP lints it, within our rule's lengths (x values capped at 20). */
function gs1Value(ai: string): fc.Arbitrary<string> {
  const rule = aiRule(ai)!;
  if (rule.date) return yymmdd;
  if (rule.check) return withCheckDigit(digits(rule.max - 1));
  switch (ai) {
    case '421':
      return fc.tuple(country, cset82(1, 9)).map(([c, x]) => c + x);
    case '422':
      return country;
    case '253':
      return fc.tuple(withCheckDigit(digits(12)), cset82(1, 17)).map(([k, x]) => k + x);
    case '255':
      return fc.tuple(withCheckDigit(digits(12)), digits(1, 12)).map(([k, x]) => k + x);
    case '8003':
      return fc.tuple(withCheckDigit(digits(12)), cset82(1, 16)).map(([k, x]) => `0${k}${x}`);
    case '401':
    case '8004':
      return fc.tuple(digits(6, 8), cset82(1, 12)).map(([gcp, x]) => gcp + x);
    case '8006':
      return fc
        .tuple(withCheckDigit(digits(13)), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 99 }))
        .map(([k, a, b]) => k + pad2(Math.min(a, b)) + pad2(Math.max(a, b)));
    case '7003':
      return fc.tuple(yymmddStrict, hhmm).map(([d, t]) => d + t);
    case '8008':
      return fc
        .tuple(yymmddStrict, hhmm, fc.constantFrom(8, 10, 12))
        .map(([d, t, length]) => `${d}${t}00`.slice(0, length));
  }
  if (/^39[13]\d$/.test(ai)) return fc.tuple(currency, digits(1, 15)).map(([c, d]) => c + d);
  return rule.kind === 'n' ? digits(rule.min, rule.max) : cset82(rule.min, Math.min(rule.max, 20));
}

const GS1_AIS = [
  ...['00', '01', '02', '10', '11', '12', '13', '15', '16', '17', '20', '21', '22', '235', '240', '241', '242'],
  ...['250', '251', '253', '254', '255', '30', '37', '400', '401', '402', '403', '410', '411', '412', '413'],
  ...['414', '415', '416', '417', '420', '421', '422', '7003', '8003', '8004', '8005', '8006', '8008', '8017'],
  ...['8018', '8020', '8200', '90', '91', '92', '99', '3900', '3911', '3922', '3933'],
  ...['3100', '3112', '3125', '3133', '3141', '3150', '3162', '3203', '3301', '3402', '3500', '3563', '3604', '3695'],
];
const gs1Element = fc.constantFrom(...GS1_AIS).chain((ai) => gs1Value(ai).map((value) => `(${ai})${value}`));

/** Random GS1 element strings of one to four elements, in the (AI)value spelling. */
export const GS1_ELEMENT_STRINGS = fc.array(gs1Element, { minLength: 1, maxLength: 4 }).map((e) => e.join(''));

/** Digit strings of `min`-`max` digits, one of `strays` put in somewhere about half the time: data near a digits-only rule. */
export function digitsWithStray(min: number, max: number, strays: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(digits(min, max), fc.option(fc.constantFrom(...strays), { nil: undefined }), fc.nat())
    .map(([run, stray, at]) => {
      if (stray === undefined) return run;
      const i = at % (run.length + 1);
      return run.slice(0, i) + stray + run.slice(i);
    });
}

/** LINEAR_DATA of a symbology as intake stores it (a check digit completed where intake adds one). */
export function completedData(id: SymbologyId): fc.Arbitrary<string> {
  return LINEAR_DATA[id]!.map((data) => {
    const r = normalizeRenderSpec({ symbology: id, data });
    return r.ok ? r.spec.data : data;
  });
}

/** What a refusal property met: inputs both encoders drew alike, ours handed back to raw(), BWIPP refused. */
export type RefusalCounts = { equal: number; 'handed back': number; 'refused by BWIPP': number };

/**
 * A native encoder's refusal property over `runs` inputs: where raw() throws, ours must be undefined (so a
 * check that uses ours refuses what BWIPP refuses); where ours answers, it must equal raw(). Returns what
 * the inputs met, for the test to check that both sides were reached.
 */
export function refusalCounts<O, T>(
  data: fc.Arbitrary<string>,
  options: fc.Arbitrary<O>,
  encoders: { ours: (data: string, o: O) => T | undefined; raw: (data: string, o: O) => T },
  numRuns: number,
): RefusalCounts {
  const counts: RefusalCounts = { equal: 0, 'handed back': 0, 'refused by BWIPP': 0 };
  fc.assert(
    fc.property(data, options, (d, o) => {
      const ours = encoders.ours(d, o);
      const label = JSON.stringify({ data: d, o });
      let theirs: T;
      try {
        theirs = encoders.raw(d, o);
      } catch {
        expect(ours, label).toBeUndefined();
        counts['refused by BWIPP']++;
        return;
      }
      if (ours === undefined) counts['handed back']++;
      else {
        expect(ours, label).toStrictEqual(theirs);
        counts.equal++;
      }
    }),
    { numRuns },
  );
  return counts;
}
