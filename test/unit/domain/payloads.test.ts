import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { loadVerifier } from '../../../src/jobs/decoder.ts';
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
  ])('%j is refused at %s', (payload, path) => {
    expect(issuesOf({ payload }).map((i) => i.path)).toContain(path);
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
