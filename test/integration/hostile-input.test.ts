// The hostile-input suite (issue 15): random hostile text in every string field of every way in — POST
// /v1/codes, GET /v1/render, POST /v1/render-urls (and its views), batch rows (CSV and JSONL, uploaded
// and validate_only), webhook endpoints and each payload type — never gets a 5xx; and one tenant's
// poisoned requests never fail another tenant's, however they are interleaved.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTION_IDS } from '../../src/domain/symbologies.ts';
import { startStack, unchecked, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  // A worker renders what is valid, so GET /v1/render answers instead of waiting out RENDER_WAIT_SECONDS.
  stack = await startStack({
    workers: 1,
    env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', RENDER_WAIT_SECONDS: '5' },
  });
});
afterAll(() => stack.close());

const RUNS = 80;

/** Text an attacker sends: NUL, lone surrogates, controls, bidi overrides, CSV/formula and quote characters. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\ud800',
      '\udc00',
      '\n',
      '\r',
      '\t',
      '\u202e',
      '\u2028',
      '\u0085',
      '"',
      ',',
      '=',
      '\\',
      'a',
      '\ufffd',
      '%',
    ),
    maxLength: 12,
  }),
  fc.constantFrom(
    'a\u0000b',
    '\udc00',
    'x\ud800',
    'ACME\nDE02120300000000202051\nEUR999.99',
    '=HYPERLINK("x")',
    '\u0000',
  ),
);

/** Random bytes that are often not UTF-8 (overlong, truncated, surrogate encodings, 0xFF). */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.constantFrom(
    Uint8Array.of(0xff),
    Uint8Array.of(0xc0, 0x80),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xe2, 0x82),
    Uint8Array.of(0x00),
  ),
);

const authorization = () => ({ authorization: `Bearer ${stack.key.key}`, 'content-type': 'application/json' });

async function statusOf(res: Response): Promise<number> {
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  return res.status;
}

/** A JSON body whose string at `field` holds raw bytes (JSON.stringify can only write valid text). */
function withBytes(body: Record<string, unknown>, field: string, bytes: Uint8Array): Uint8Array {
  const marker = '@@BYTES@@';
  const text = JSON.stringify({ ...body, [field]: marker });
  const [before, after] = text.split(`"${marker}"`) as [string, string];
  const escaped = Buffer.from(bytes).filter((b) => b !== 0x22 && b !== 0x5c && b >= 0x20);
  return Buffer.concat([Buffer.from(`${before}"`), Buffer.from(escaped), Buffer.from(`"${after}`)]);
}

/** Hostile text or bytes as they are. */
const post = async (url: string, body: string | Uint8Array, headers: Record<string, string> = authorization()) =>
  stack.request('POST', url, unchecked(body), headers);

const CODE_STRING_FIELDS = [
  'data',
  'symbology',
  'format',
  'ecc',
  'foreground',
  'background',
  'module_style',
  'finder_style',
  'logo',
];
const PAYLOADS: Record<string, Record<string, unknown>> = {
  wifi: { type: 'wifi', ssid: 'HQ', password: 'secret-pass' },
  vcard: {
    type: 'vcard',
    name: 'Ada',
    organization: 'O',
    title: 'T',
    phone: '+441234',
    email: 'a@example.com',
    url: 'https://example.com',
    address: 'A',
    note: 'N',
  },
  email: { type: 'email', to: 'a@example.com', subject: 'S', body: 'B' },
  sms: { type: 'sms', phone: '+15550100000', message: 'M' },
  url: { type: 'url', url: 'https://example.com/' },
  epc: { type: 'epc', name: 'ACME', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', amount: 10, text: 'Invoice' },
  geo: { type: 'geo', latitude: 1, longitude: 2 },
};

describe('POST /v1/codes never answers 5xx', () => {
  it('hostile text in each string field, metadata keys and values, and webhook fields', async () => {
    const field = fc.constantFrom(...CODE_STRING_FIELDS, ...OPTION_IDS);
    await fc.assert(
      fc.asyncProperty(field, hostileString, hostileString, async (name, value, other) => {
        const bodies = [
          { data: 'ok', [name]: value },
          { data: 'ok', metadata: { [value || 'k']: other } },
          { data: 'ok', webhook_url: value, webhook_events: [other] },
          { data: 'ok', webhook_url: `http://127.0.0.1:9/${value}` },
          { [value]: other },
        ];
        for (const body of bodies) await statusOf(await stack.request('POST', '/v1/codes', unchecked(body)));
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('invalid UTF-8 bytes in any string field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('data', 'format', 'foreground', 'metadata'),
        hostileBytes,
        async (name, bytes) => {
          const body = name === 'metadata' ? { data: 'ok', metadata: { k: 'v' } } : { data: 'ok' };
          await statusOf(await post('/v1/codes', withBytes(body, name === 'metadata' ? 'x' : name, bytes)));
        },
      ),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('hostile text in every field of each payload type', async () => {
    const cases = Object.entries(PAYLOADS).flatMap(([, base]) => Object.keys(base).map((k) => [base, k] as const));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), hostileString, async ([base, key], value) => {
        await statusOf(await stack.request('POST', '/v1/codes', unchecked({ payload: { ...base, [key]: value } })));
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);
});

describe('GET /v1/render and POST /v1/render-urls never answer 5xx', () => {
  it('hostile query strings, as text and as raw %-escaped bytes', async () => {
    const name = fc.constantFrom('data', 'format', 'foreground', 'symbology', 'x');
    await fc.assert(
      fc.asyncProperty(name, hostileString, hostileBytes, async (key, value, bytes) => {
        const escapedBytes = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        const urls = [
          `/v1/render?${key}=${encodeURIComponent(value.toWellFormed())}${key === 'data' ? '' : '&data=ok'}`,
          `/v1/render?${key}=${escapedBytes}${key === 'data' ? '' : '&data=ok'}`,
          `/v1/render?${escapedBytes}=x&data=ok`,
        ];
        for (const url of urls) await statusOf(await stack.request('GET', url));
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('render URLs: creating one with hostile fields, then viewing it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('data', 'format', 'foreground'), hostileString, async (key, value) => {
        const res = await stack.request('POST', '/v1/render-urls', unchecked({ data: 'ok', [key]: value }));
        if ((await statusOf(res.clone())) === 201) {
          const { url } = (await res.json()) as { url: string };
          await statusOf(await stack.request('GET', url, undefined, { authorization: '' }));
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('batch rows never get a 5xx', () => {
  const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`;
  it('CSV and JSONL, uploaded and validate_only, with hostile text in any column', async () => {
    const column = fc.constantFrom('data', 'filename', 'custom_id', 'format', 'metadata.note', 'foreground');
    await fc.assert(
      fc.asyncProperty(column, hostileString, fc.boolean(), async (name, value, validateOnly) => {
        const query = validateOnly ? '?validate_only=true' : '';
        const header = name === 'data' ? 'data' : `data,${name}`;
        const row = name === 'data' ? csvCell(value) : `ok,${csvCell(value)}`;
        const csv = `${header}\n${row}\nfine${name === 'data' ? '' : ',x'}\n`;
        await statusOf(await post(`/v1/batches${query}`, csv, { ...authorization(), 'content-type': 'text/csv' }));
        const line = name.startsWith('metadata.')
          ? JSON.stringify({ data: 'ok', metadata: { note: value } })
          : JSON.stringify({ data: 'ok', [name]: value });
        await statusOf(
          await post(`/v1/batches${query}`, `${line}\n`, {
            ...authorization(),
            'content-type': 'application/x-ndjson',
          }),
        );
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('raw invalid bytes inside a row', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBytes, async (bytes) => {
        const body = Buffer.concat([
          Buffer.from('data\nok\n"'),
          Buffer.from(bytes.filter((b) => b !== 0x22)),
          Buffer.from('"\n'),
        ]);
        await statusOf(await post('/v1/batches', body, { ...authorization(), 'content-type': 'text/csv' }));
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('webhook endpoints never answer 5xx', () => {
  it('hostile url and events on create and patch', async () => {
    const created = await stack.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (url, event) => {
        for (const body of [
          { url },
          { url: `http://127.0.0.1:9/${url}` },
          { url: 'http://127.0.0.1:9/', events: [event] },
        ]) {
          await statusOf(await stack.request('POST', '/v1/webhook-endpoints', unchecked(body)));
          await statusOf(await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, unchecked(body)));
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('two tenants', () => {
  it("30 poisoned requests from account A interleaved with 300 valid ones from B: all of B's succeed", async () => {
    const alice = await stack.seedKey();
    const bob = await stack.seedKey();
    const poisons: (() => Promise<Response>)[] = [
      () =>
        stack.request(
          'POST',
          '/v1/codes',
          { data: 'x', metadata: { x: 'a\u0000b' } },
          { authorization: `Bearer ${alice.key}` },
        ),
      () => stack.request('POST', '/v1/codes', { data: 'x\u0000' }, { authorization: `Bearer ${alice.key}` }),
      () =>
        stack.request(
          'POST',
          '/v1/codes',
          { data: 'x', metadata: { x: '\udc00' } },
          { authorization: `Bearer ${alice.key}` },
        ),
      () => stack.request('POST', '/v1/codes', { data: '\ud800' }, { authorization: `Bearer ${alice.key}` }),
      () =>
        stack.request(
          'POST',
          '/v1/codes',
          { payload: { type: 'wifi', ssid: 'a\u0000' } },
          { authorization: `Bearer ${alice.key}` },
        ),
      () =>
        post('/v1/codes', withBytes({ data: 'x' }, 'data', Uint8Array.of(0xff, 0xfe)), {
          ...authorization(),
          authorization: `Bearer ${alice.key}`,
        }),
    ];
    const requests: Promise<{ tenant: 'a' | 'b'; status: number }>[] = [];
    for (let i = 0; i < 330; i++) {
      const poisoned = i % 11 === 5;
      const send = poisoned
        ? poisons[i % poisons.length]!()
        : stack.request(
            'POST',
            '/v1/codes',
            { data: `bob ${i}`, metadata: { n: String(i) } },
            { authorization: `Bearer ${bob.key}` },
          );
      requests.push(
        send.then(async (res) => ({ tenant: poisoned ? 'a' : 'b', status: (await res.arrayBuffer(), res.status) })),
      );
    }
    const outcomes = await Promise.all(requests);
    const bobs = outcomes.filter((o) => o.tenant === 'b');
    const alices = outcomes.filter((o) => o.tenant === 'a');
    expect(bobs).toHaveLength(300);
    expect(alices).toHaveLength(30);
    expect(bobs.filter((o) => o.status !== 202)).toEqual([]);
    expect(alices.filter((o) => o.status !== 422)).toEqual([]);
    const stored = await stack.db.selectFrom('codes').select('id').where('account_id', '=', bob.account_id).execute();
    expect(stored).toHaveLength(300);
  }, 60_000);
});
