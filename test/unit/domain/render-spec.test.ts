import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalSpecKey, gs1CheckDigit, normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { RENDER_FIELDS } from '../../../src/domain/requests.ts';
import type { Issue } from '../../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, describeSymbologies, getSymbology } from '../../../src/domain/symbologies.ts';

function issuesOf(body: Record<string, unknown>): Issue[] {
  const r = normalizeRenderSpec(body);
  return r.ok ? [] : r.issues;
}

function dataOf(body: Record<string, unknown>): string {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec.data;
}

describe('defaults', () => {
  it('fills every default for a bare QR request', () => {
    expect(normalizeRenderSpec({ data: 'hi' })).toEqual({
      ok: true,
      spec: {
        symbology: 'qrcode',
        data: 'hi',
        format: 'png',
        options: {
          scale: 8,
          margin: 4,
          ecc: 'M',
          foreground: '#000000',
          background: '#ffffff',
          rotate: 0,
          verify: true,
        },
      },
    });
  });

  it('gives linear symbols text, bar height and their quiet zone', () => {
    const r = normalizeRenderSpec({ symbology: 'ean13', data: '4006381333931' });
    expect(r.ok && r.spec.options).toMatchObject({ include_text: true, bar_height: 77, margin: 11, scale: 3 });
  });

  it('two requests that mean the same image give equal specs and keys', () => {
    const a = normalizeRenderSpec({ data: 'x', foreground: '#ABC', ecc: 'm' });
    const b = normalizeRenderSpec({
      data: 'x',
      symbology: 'qrcode',
      format: 'png',
      foreground: '#aabbcc',
      ecc: 'M',
      margin: 4,
      scale: 8,
      rotate: 0,
    });
    expect(a).toEqual(b);
    if (a.ok && b.ok) expect(canonicalSpecKey(a.spec)).toBe(canonicalSpecKey(b.spec));
  });

  it('canonicalSpecKey sorts keys', () => {
    const r = normalizeRenderSpec({ data: 'x' });
    if (!r.ok) throw new Error();
    expect(canonicalSpecKey(r.spec)).toBe(
      '{"data":"x","format":"png","options":{"background":"#ffffff","ecc":"M","foreground":"#000000","margin":4,"rotate":0,"scale":8,"verify":true},"symbology":"qrcode"}',
    );
  });

  it('every catalog example is valid and RENDER_FIELDS lists the options', () => {
    for (const d of describeSymbologies())
      expect(issuesOf({ symbology: d.id, data: d.data.example }), d.id).toEqual([]);
    expect(RENDER_FIELDS).toEqual(
      expect.arrayContaining([
        'symbology',
        'data',
        'format',
        'scale',
        'size',
        'margin',
        'ecc',
        'version',
        'mask',
        'foreground',
        'background',
        'include_text',
        'rotate',
        'bar_height',
      ]),
    );
    expect(describeSymbologies().map((d) => d.id)).toEqual([...SYMBOLOGY_IDS]);
    expect(JSON.parse(JSON.stringify(describeSymbologies()))).toEqual(describeSymbologies());
  });
});

describe('the catalog publishes light_on_dark', () => {
  it('true exactly where intake takes a foreground lighter than its background', () => {
    for (const d of describeSymbologies()) {
      const issues = issuesOf({ symbology: d.id, data: d.data.example, foreground: '#ffffff', background: '#000000' });
      if (d.light_on_dark) expect(issues, d.id).toEqual([]);
      else
        expect(
          issues.map((i) => i.path),
          d.id,
        ).toEqual(['foreground']);
    }
    expect(describeSymbologies().filter((d) => d.light_on_dark).length).toBeGreaterThan(0);
  });
});

describe('check digits', () => {
  it.each([
    ['ean13', '400638133393', '4006381333931'],
    ['ean8', '9638507', '96385074'],
    ['upca', '03600029145', '036000291452'],
    ['upce', '0123456', '01234565'],
    ['itf14', '1540014128876', '15400141288763'],
    ['databaromni', '0950600013435', '(01)09506000134352'],
    ['databaromni', '[01]09506000134352', '(01)09506000134352'],
    ['gs1-128', '(01)0950600013435(10)ABC', '(01)09506000134352(10)ABC'],
    ['gs1datamatrix', '[01]09506000134352[17]251231', '(01)09506000134352(17)251231'],
    ['gs1qrcode', '(01)0950600013435', '(01)09506000134352'],
    ['databarexpanded', '(01)09506000134352(3103)000189', '(01)09506000134352(3103)000189'],
  ])('%s %s → %s', (symbology, data, expected) => {
    expect(dataOf({ symbology, data })).toBe(expected);
  });

  it.each([
    ['ean13', '4006381333932', 'check digit 2 is wrong for EAN-13 4006381333932; expected 1'],
    ['ean8', '96385075', 'check digit 5 is wrong for EAN-8 96385075; expected 4'],
    ['upca', '036000291453', 'check digit 3 is wrong for UPC-A 036000291453; expected 2'],
    ['upce', '01234567', 'check digit 7 is wrong for UPC-E 01234567; expected 5'],
    ['itf14', '15400141288760', 'check digit 0 is wrong for ITF-14 15400141288760; expected 3'],
    ['databaromni', '09506000134353', 'check digit 3 is wrong for GTIN (01) 09506000134353; expected 2'],
    ['gs1-128', '(01)09506000134353(10)A', '(01) GTIN check digit 3 is wrong for 09506000134353; expected 2'],
  ])('%s %s is rejected naming the digit', (symbology, data, message) => {
    expect(issuesOf({ symbology, data })).toEqual([{ path: 'data', message }]);
  });

  it('rejects wrong lengths', () => {
    expect(issuesOf({ symbology: 'ean13', data: '40063813339' })[0]?.message).toMatch(/12 or 13 digits; got 11/);
    // One character between start and stop: no reader takes it (roundtrip.test.ts reads two).
    expect(issuesOf({ symbology: 'codabar', data: 'A1B' })).toEqual([
      { path: 'data', message: 'Codabar needs at least 4 characters; got 3' },
    ]);
  });

  it("an add-on with its text needs bars tall enough for the add-on's own bars under its digits", () => {
    for (const symbology of ['ean13', 'upca', 'upce']) {
      const body = {
        symbology,
        data: { ean13: '978186197271', upca: '71486223116', upce: '0803090' }[symbology],
        addon: '52',
      };
      expect(issuesOf({ ...body, bar_height: 12 }), symbology).toEqual([
        {
          path: 'bar_height',
          message: expect.stringMatching(/with an add-on and its text, bar_height must be at least 13/),
        },
      ]);
      expect(issuesOf({ ...body, bar_height: 13 }), symbology).toEqual([]);
      expect(issuesOf({ ...body, bar_height: 5, include_text: false }), symbology).toEqual([]);
    }
  });

  it('computed check digits always verify (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (body) => {
        const full = dataOf({ symbology: 'ean13', data: body });
        expect(full).toBe(body + String(gs1CheckDigit(body)));
        expect(issuesOf({ symbology: 'ean13', data: full })).toEqual([]);
      }),
    );
  });
});

describe('charsets and lengths', () => {
  it.each([
    ['code39', 'hello', /uppercase/],
    ['code39', 'AB#C', /character '#' at position 3 is not allowed in Code 39/],
    ['code128', 'tab\there', /character U\+0009 at position 4/],
    ['ean13', '40063813339x', /digits only/],
    ['interleaved2of5', '123', /even number of digits/],
    ['codabar', '12345', /start\/stop character/],
    ['codabar', 'A12X45B', /character 'X' at position 4/],
    ['upce', '2123456', /number system 0 or 1/],
    ['gs1-128', '(01)ABC', /\(01\) GTIN takes digits only/],
    ['code128', 'A'.repeat(81), /data is 81 characters; Code 128 holds at most 80/],
    ['maxicode', 'é', /not allowed in MaxiCode/],
  ])('%s %j', (symbology, data, message) => {
    const issues = issuesOf({ symbology, data });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('data');
    expect(issues[0]?.message).toMatch(message);
  });

  it('normalizes codabar start/stop case', () => {
    expect(dataOf({ symbology: 'codabar', data: 'a123b' })).toBe('A123B');
  });
});

describe('options', () => {
  it.each([
    [{ scale: 0 }, 'scale', 'must be at least 1'],
    [{ scale: 51 }, 'scale', 'must be at most 50'],
    [{ scale: 2.5 }, 'scale', 'must be an integer'],
    [{ size: 15 }, 'size', 'must be at least 16'],
    [{ size: 5000 }, 'size', 'must be at most 4096'],
    [{ margin: 65 }, 'margin', 'must be at most 64'],
    [{ ecc: 'X' }, 'ecc', 'must be one of L, M, Q, H'],
    [{ version: 41 }, 'version', 'must be at most 40'],
    [{ mask: 8 }, 'mask', 'must be at most 7'],
    [{ rotate: 45 }, 'rotate', 'must be 0, 90, 180 or 270'],
    [{ foreground: 'black' }, 'foreground', 'must be a hex colour like #1a2b3c or #abc'],
    [{ background: '#12345' }, 'background', 'must be a hex colour like #1a2b3c or #abc'],
    [{ foreground: '#fff' }, 'foreground', 'foreground and background must differ'],
    [{ scale: 4, size: 200 }, 'size', 'give either scale or size, not both'],
  ])('%j → %s', (extra, path, message) => {
    expect(issuesOf({ data: 'x', ...extra })).toEqual([{ path, message }]);
  });

  it('refuses light on dark where the symbology is read dark on light only', () => {
    for (const d of describeSymbologies()) {
      const body = { symbology: d.id, data: d.data.example, foreground: '#ffffff', background: '#000000' };
      if (getSymbology(d.id).lightOnDark) {
        expect(issuesOf(body), d.id).toEqual([]);
        continue;
      }
      expect(issuesOf(body), d.id).toEqual([
        { path: 'foreground', message: expect.stringMatching(/is read dark on light only, and foreground #ffffff/) },
      ]);
      // A light colour on a darker one, not only white on black.
      expect(issuesOf({ ...body, foreground: '#ffff00', background: '#0000aa' }), d.id).toHaveLength(1);
    }
  });

  it('rejects options that do not apply, by field', () => {
    expect(issuesOf({ symbology: 'code128', data: 'x', ecc: 'M' })).toEqual([
      { path: 'ecc', message: 'does not apply to code128' },
    ]);
    expect(issuesOf({ data: 'x', include_text: true })).toEqual([
      { path: 'include_text', message: 'does not apply to qrcode' },
    ]);
    expect(issuesOf({ data: 'x', bar_height: 40 })).toEqual([
      { path: 'bar_height', message: 'does not apply to qrcode' },
    ]);
    expect(issuesOf({ symbology: 'datamatrix', data: 'x', mask: 1 })).toEqual([
      { path: 'mask', message: 'does not apply to datamatrix' },
    ]);
  });

  it('restricts ECC levels per symbology', () => {
    expect(issuesOf({ symbology: 'microqrcode', data: 'x', ecc: 'H' })).toEqual([
      { path: 'ecc', message: 'must be one of L, M, Q for microqrcode' },
    ]);
  });

  it('reports wrong types by path and never throws', () => {
    expect(issuesOf({ data: 5, scale: 'big', symbology: 'code128', include_text: 'yes' })).toEqual([
      { path: 'data', message: 'must be a string' },
      { path: 'scale', message: 'must be an integer' },
      { path: 'include_text', message: 'must be true or false' },
    ]);
    expect(issuesOf({ data: '' })).toEqual([{ path: 'data', message: 'must not be empty' }]);
    expect(issuesOf({})).toEqual([{ path: 'data', message: 'must be a string' }]);
    expect(issuesOf({ data: 'x', symbology: 'nope', format: 'gif' }).map((i) => i.path)).toEqual([
      'symbology',
      'format',
    ]);
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...RENDER_FIELDS), fc.jsonValue()), (body) => {
        expect(() => normalizeRenderSpec(body)).not.toThrow();
      }),
    );
  });
});

describe('EAN/UPC add-ons', () => {
  it.each([
    ['ean13', '978186197271', '52250', '9781861972712'],
    ['ean13', '4006381333931', '05', '4006381333931'],
    ['upca', '03600029145', '12345', '036000291452'],
    ['upce', '0123456', '12', '01234565'],
  ])('%s %s with add-on %s keeps the add-on as given beside the completed data', (symbology, data, addon, full) => {
    const r = normalizeRenderSpec({ symbology, data, addon });
    expect(r.ok && r.spec).toMatchObject({ data: full, options: { addon } });
  });

  it.each([
    ['1', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['123', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['1234', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['123456', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['12a45', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    [' 12', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['１２', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    ['', 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    [52250, 'must be a string of 2 or 5 digits (quoted: leading zeros count)'],
  ])('add-on %j is refused naming the field', (addon, message) => {
    expect(issuesOf({ symbology: 'ean13', data: '9781861972712', addon })).toEqual([{ path: 'addon', message }]);
  });

  it('applies to EAN-13, UPC-A and UPC-E only (GS1 permits none on EAN-8)', () => {
    expect(issuesOf({ symbology: 'ean8', data: '96385074', addon: '12' })).toEqual([
      { path: 'addon', message: 'does not apply to ean8' },
    ]);
    for (const symbology of ['qrcode', 'code128', 'itf14'])
      expect(issuesOf({ symbology, data: '15400141288763', addon: '12' }), symbology).toEqual([
        { path: 'addon', message: `does not apply to ${symbology}` },
      ]);
    const listed = describeSymbologies()
      .filter((d) => 'addon' in d.options)
      .map((d) => d.id);
    expect(listed).toEqual(['ean13', 'upca', 'upce']);
    expect(describeSymbologies().find((d) => d.id === 'ean13')?.options.addon).toMatchObject({
      type: 'string',
      pattern: '^(\\d{2}|\\d{5})$',
    });
  });

  it('an add-on written into data as BWIPP takes it is refused, pointing at the field', () => {
    expect(issuesOf({ symbology: 'ean13', data: '9781861972712 52250' })).toEqual([
      { path: 'data', message: 'EAN-13 takes digits only; give a 2- or 5-digit add-on in the addon field' },
    ]);
    expect(issuesOf({ symbology: 'ean8', data: '96385074 12' })).toEqual([
      { path: 'data', message: 'EAN-8 takes digits only' },
    ]);
  });

  it('is part of the canonical key: a different add-on is a different image', () => {
    const key = (addon?: string) => {
      const r = normalizeRenderSpec({ symbology: 'ean13', data: '9781861972712', ...(addon ? { addon } : {}) });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return canonicalSpecKey(r.spec);
    };
    expect(new Set([key(), key('52250'), key('52251'), key('52')]).size).toBe(4);
  });
});
