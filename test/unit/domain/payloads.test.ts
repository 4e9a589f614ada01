import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { loadVerifier } from '../../../src/render/decoder.ts';
import { render } from '../../../src/render/index.ts';

function dataOf(payload: Record<string, unknown>): string {
  const r = normalizeRenderSpec({ payload });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec.data;
}

function issuesOf(body: Record<string, unknown>) {
  const r = normalizeRenderSpec(body);
  return r.ok ? [] : r.issues;
}

describe('QR payload builders', () => {
  it.each([
    [{ type: 'wifi', ssid: 'Café;Net', password: 'p:a"ss', security: 'WPA' }, 'WIFI:T:WPA;S:Café\\;Net;P:p\\:a\\"ss;;'],
    [{ type: 'wifi', ssid: 'Guest', security: 'nopass', hidden: true }, 'WIFI:T:nopass;S:Guest;H:true;;'],
    [
      {
        type: 'vcard',
        name: 'Ada Lovelace',
        organization: 'Engines, Ltd',
        phone: '+44 20 7946 0000',
        email: 'ada@example.com',
      },
      'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ada Lovelace\r\nFN:Ada Lovelace\r\nORG:Engines\\, Ltd\r\nTEL:+44 20 7946 0000\r\nEMAIL:ada@example.com\r\nEND:VCARD',
    ],
    [
      { type: 'email', to: 'help@example.com', subject: 'Order 42', body: 'Hi & bye' },
      'mailto:help@example.com?subject=Order%2042&body=Hi%20%26%20bye',
    ],
    [{ type: 'sms', phone: '+1 (555) 010-0000', message: 'STOP' }, 'SMSTO:+15550100000:STOP'],
    [{ type: 'geo', latitude: 51.5, longitude: -0.12 }, 'geo:51.5,-0.12'],
    [{ type: 'url', url: 'https://example.com/a?b=c' }, 'https://example.com/a?b=c'],
    [
      {
        type: 'epc',
        name: 'Red Cross',
        iban: 'DE89 3704 0044 0532 0130 00',
        bic: 'COBADEFFXXX',
        amount: 12.5,
        text: 'Donation',
      },
      'BCD\n002\n1\nSCT\nCOBADEFFXXX\nRed Cross\nDE89370400440532013000\nEUR12.50\n\n\nDonation',
    ],
  ])('%j', (payload, expected) => {
    expect(dataOf(payload)).toBe(expected);
  });

  it.each([
    [{ type: 'wifi' }, 'payload.ssid'],
    [{ type: 'wifi', ssid: 'x', security: 'WPA3-ish' }, 'payload.security'],
    [{ type: 'email', to: 'not-an-email' }, 'payload.to'],
    [{ type: 'geo', latitude: 91, longitude: 0 }, 'payload.latitude'],
    [{ type: 'url', url: 'javascript:alert(1)' }, 'payload.url'],
    [{ type: 'epc', name: 'X', iban: 'DE89370400440532013001' }, 'payload.iban'],
    [{ type: 'epc', name: 'X', iban: 'DE89370400440532013000', amount: 1.005 }, 'payload.amount'],
    [{ type: 'vcard', name: 'A', extra: 1 }, 'payload.extra'],
    [{ type: 'telex' }, 'payload.type'],
    // Names every object has must not be taken for payload types (they threw, a 500).
    [{ type: 'valueOf' }, 'payload.type'],
    [{ type: 'constructor' }, 'payload.type'],
    [{ type: '__proto__' }, 'payload.type'],
  ])('%j is refused at %s', (payload, path) => {
    expect(issuesOf({ payload }).map((i) => i.path)).toContain(path);
  });

  it('a missing or unknown payload field is named in plain words', () => {
    expect(issuesOf({ payload: { type: 'sms', number: '+44 20 7946 0000' } })).toEqual([
      { path: 'payload.phone', message: 'is required for payload type sms' },
      { path: 'payload.number', message: 'is not a field of payload type sms' },
    ]);
  });

  it('payload and data together, or payload for a barcode, are refused', () => {
    expect(issuesOf({ payload: { type: 'url', url: 'https://a.example' }, data: 'x' })).toEqual([
      { path: 'payload', message: expect.stringMatching(/either data or payload/) },
    ]);
    expect(issuesOf({ symbology: 'code128', payload: { type: 'url', url: 'https://a.example' } })[0]?.path).toBe(
      'payload',
    );
  });

  it('a built payload scans back as the standard string', async () => {
    const r = normalizeRenderSpec({ payload: { type: 'wifi', ssid: 'Office', password: 'correct horse' } });
    if (!r.ok) throw new Error();
    expect(await (await loadVerifier())(r.spec, await render(r.spec))).toMatchObject({
      verified: true,
      decoded_text: 'WIFI:T:WPA;S:Office;P:correct horse;;',
    });
  });
});

describe('payload fields refuse control characters (line- and field-based formats)', () => {
  // Every string field of every payload type, with a valid value for the rest of its payload.
  const BASE: Record<string, Record<string, unknown>> = {
    wifi: { type: 'wifi', ssid: 'HQ', password: 'secret-pass' },
    vcard: {
      type: 'vcard',
      name: 'Ada',
      organization: 'Org',
      title: 'T',
      url: 'https://example.com',
      address: 'A',
      note: 'N',
    },
    email: { type: 'email', to: 'a@example.com', subject: 'S', body: 'B' },
    sms: { type: 'sms', phone: '+15550100000', message: 'M' },
    url: { type: 'url', url: 'https://example.com/' },
    epc: { type: 'epc', name: 'ACME GmbH', iban: 'DE89370400440532013000', amount: 10, text: 'Invoice 1' },
  };
  const MULTI_LINE = new Set(['vcard.address', 'vcard.note', 'email.body', 'sms.message']);
  const fields = Object.entries(BASE).flatMap(([type, base]) =>
    Object.keys(base)
      .filter((k) => k !== 'type' && typeof base[k] === 'string')
      .map((field) => [type, field] as const),
  );

  it('the EPC injection of issue 15 is refused, naming payload.name', () => {
    const issues = issuesOf({
      payload: {
        type: 'epc',
        name: 'ACME GmbH\nDE02120300000000202051\nEUR999.99',
        iban: 'DE89370400440532013000',
        amount: 10,
      },
    });
    expect(issues.map((i) => i.path)).toEqual(['payload.name']);
  });

  it.each(fields)('%s.%s: a NUL, a bell, a lone CR, U+2028 and a C1 control are refused', (type, field) => {
    for (const bad of ['\u0000', '\u0007', '\r', '\u2028', '\u0085', '\u001b[2J']) {
      const value = `${String(BASE[type]![field])}${bad}x`;
      const issues = issuesOf({ payload: { ...BASE[type], [field]: value } });
      expect(
        issues.map((i) => i.path),
        JSON.stringify(bad),
      ).toContain(`payload.${field}`);
    }
  });

  it.each(fields)(
    '%s.%s: a line break is refused on one-line fields, kept (escaped) on multi-line ones',
    (type, field) => {
      for (const newline of ['\n', '\r\n']) {
        const value = `${String(BASE[type]![field])}${newline}x`;
        const issues = issuesOf({ payload: { ...BASE[type], [field]: value } });
        if (MULTI_LINE.has(`${type}.${field}`)) expect(issues).toEqual([]);
        else expect(issues.map((i) => i.path)).toContain(`payload.${field}`);
      }
    },
  );

  it('a multi-line vCard note stays one vCard line (escaped)', () => {
    const data = dataOf({ type: 'vcard', name: 'Ada', note: 'line 1\r\nline 2\nline 3' });
    expect(data.split('\r\n')).toContain('NOTE:line 1\\nline 2\\nline 3');
  });
});
