import { describe, expect, it } from 'vitest';
import { parseElementString } from '../../../src/domain/gs1.ts';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { loadVerifier } from '../../../src/render/decoder.ts';
import { render } from '../../../src/render/index.ts';

const ELEMENTS = [
  { ai: '01', value: '09506000134352' },
  { ai: '17', value: '271231' },
  { ai: '10', value: 'LOT-42/A' },
  { ai: '3103', value: '001250' },
  { ai: '21', value: 'SN12345' },
];
const GS = '\x1d';
// The same element string in the three spellings the API accepts.
const SPELLINGS = {
  parenthesized: ELEMENTS.map((e) => `(${e.ai})${e.value}`).join(''),
  bracketed: ELEMENTS.map((e) => `[${e.ai}]${e.value}`).join(''),
  // Raw: FNC1 as GS after variable-length values only (01, 17 and 3103 are predefined-length).
  raw: `]C1010950600013435217271231${'10'}LOT-42/A${GS}3103001250${'21'}SN12345`,
};

function spec(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

describe('GS1 element strings', () => {
  it.each(Object.entries(SPELLINGS))('%s parses AI by AI', (_, data) => {
    expect(parseElementString(data)).toEqual({ ok: true, elements: ELEMENTS });
  });

  it('a GTIN one digit short gets its check digit', () => {
    expect(parseElementString('(01)0950600013435')).toEqual({
      ok: true,
      elements: [{ ai: '01', value: '09506000134352' }],
    });
  });

  it.each([
    ['(01)09506000134353', '01', /check digit 3 is wrong/],
    ['(01)09506000134352(17)271331', '17', /271331 is not a valid YYMMDD date/],
    ['(01)09506000134352(15)250230', '15', /250230 is not a valid YYMMDD date/],
    ['(01)09506000134352(99)X(7777)1', '7777', /\(7777\) is not a GS1 application identifier/],
    ['(00)123456789012345674', '00', /check digit 4 is wrong for 123456789012345674; expected 5/],
    ['(3103)12', '3103', /takes 6 characters/],
    ['(10)lot with space', '10', /outside the GS1 character set/],
  ])('%s is refused naming (%s)', (data, ai, message) => {
    const parsed = parseElementString(data);
    expect(parsed).toMatchObject({ ok: false, ai });
    expect(!parsed.ok && parsed.message).toMatch(message);
    expect(!parsed.ok && parsed.message).toContain(`(${ai})`);
  });
});

describe('GS1 symbols round-trip AI by AI through the verifier', () => {
  for (const symbology of ['gs1-128', 'gs1datamatrix', 'gs1qrcode', 'databarexpanded'] as const) {
    for (const [spelling, data] of Object.entries(SPELLINGS)) {
      it(`${symbology} from ${spelling}`, async () => {
        const s = spec({ symbology, data });
        expect(s.data).toBe(SPELLINGS.parenthesized);
        const verification = await (await loadVerifier())(s, await render(s));
        expect(verification).toMatchObject({ verified: true });
        // The decoder's GS1 reading parses back to exactly the elements sent, FNC1 intact.
        expect(parseElementString(verification.decoded_text!)).toEqual({ ok: true, elements: ELEMENTS });
      });
    }
  }

  it('DataBar Omnidirectional carries a GTIN', async () => {
    const s = spec({ symbology: 'databaromni', data: '[01]0950600013435' });
    const verification = await (await loadVerifier())(s, await render(s));
    expect(verification).toMatchObject({ verified: true, decoded_text: '(01)09506000134352' });
  });
});

describe('GS1 Digital Link URIs given to QR', () => {
  it('accepts a well-formed link', () => {
    expect(normalizeRenderSpec({ data: 'https://id.example.com/01/09506000134352/10/ABC?17=271231' }).ok).toBe(true);
  });

  it.each([
    ['https://id.example.com/01/09506000134353', /\(01\) GTIN check digit 3 is wrong/],
    ['https://id.example.com/01/09506000134352?17=271399', /\(17\) USE BY 271399 is not a valid YYMMDD date/],
    ['https://id.example.com/01/09506000134352/10', /AI without a value/],
  ])('%s is refused', (data, message) => {
    const r = normalizeRenderSpec({ data });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues).toEqual([{ path: 'data', message: expect.stringMatching(message) }]);
  });
});
