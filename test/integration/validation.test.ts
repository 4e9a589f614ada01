import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDER_FIELDS } from '../../src/domain/requests.ts';
import { startStack, unchecked, type TestStack } from '../support/harness.ts';

// No workers: validation never needs one, and nothing malformed may reach the queue.
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
});
afterAll(() => stack.close());

type Case = [name: string, body: unknown, status: number, path?: string];

const tooManyKeys = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
const CASES: Case[] = [
  ['array body', [], 422, ''],
  ['string body', '"hello"', 422, ''],
  ['null body', 'null', 422, ''],
  ['number body', '42', 422, ''],
  ['missing data', {}, 422, 'data'],
  ['data is a number', { data: 5 }, 422, 'data'],
  ['data is empty', { data: '' }, 422, 'data'],
  ['data is null', { data: null }, 422, 'data'],
  ['data is an object', { data: { a: 1 } }, 422, 'data'],
  ['unknown symbology', { data: 'x', symbology: 'nope' }, 422, 'symbology'],
  ['symbology is a number', { data: 'x', symbology: 5 }, 422, 'symbology'],
  ['unknown format', { data: 'x', format: 'gif' }, 422, 'format'],
  ['format is an array', { data: 'x', format: ['png'] }, 422, 'format'],
  ['negative scale', { data: 'x', scale: -1 }, 422, 'scale'],
  ['zero scale', { data: 'x', scale: 0 }, 422, 'scale'],
  ['fractional scale', { data: 'x', scale: 1.5 }, 422, 'scale'],
  ['scale is a string', { data: 'x', scale: 'big' }, 422, 'scale'],
  ['huge scale', { data: 'x', scale: 1000 }, 422, 'scale'],
  ['huge size', { data: 'x', size: 100000 }, 422, 'size'],
  ['negative size', { data: 'x', size: -5 }, 422, 'size'],
  ['negative margin', { data: 'x', margin: -1 }, 422, 'margin'],
  ['huge margin', { data: 'x', margin: 1000 }, 422, 'margin'],
  ['named colour', { data: 'x', foreground: 'red' }, 422, 'foreground'],
  ['five-digit hex colour', { data: 'x', foreground: '#12345' }, 422, 'foreground'],
  ['non-hex colour', { data: 'x', background: '#ggg' }, 422, 'background'],
  ['numeric colour', { data: 'x', background: 123 }, 422, 'background'],
  ['unknown ecc', { data: 'x', ecc: 'X' }, 422, 'ecc'],
  ['ecc on a linear code', { data: 'ABC', symbology: 'code128', ecc: 'H' }, 422, 'ecc'],
  ['qr version 41', { data: 'x', version: 41 }, 422, 'version'],
  ['qr mask 9', { data: 'x', mask: 9 }, 422, 'mask'],
  ['rotate 45', { data: 'x', rotate: 45 }, 422, 'rotate'],
  ['include_text as a string', { data: '4006381333931', symbology: 'ean13', include_text: 'yes' }, 422, 'include_text'],
  ['unknown field', { data: 'x', colour: '#000000' }, 422, 'colour'],
  ['EAN-13 wrong check digit', { data: '4006381333932', symbology: 'ean13' }, 422, 'data'],
  ['EAN-13 letters', { data: 'ABCDEFGHIJKLM', symbology: 'ean13' }, 422, 'data'],
  ['EAN-13 too long', { data: '40063813339312', symbology: 'ean13' }, 422, 'data'],
  ['UPC-A wrong check digit', { data: '036000291453', symbology: 'upca' }, 422, 'data'],
  ['UPC-E wrong check digit', { data: '01234566', symbology: 'upce' }, 422, 'data'],
  ['EAN-8 wrong check digit', { data: '96385070', symbology: 'ean8' }, 422, 'data'],
  ['EAN-13 add-on of 3 digits', { data: '9781861972712', symbology: 'ean13', addon: '522' }, 422, 'addon'],
  ['UPC-A add-on with a letter', { data: '036000291452', symbology: 'upca', addon: '1234x' }, 422, 'addon'],
  ['add-on as a number', { data: '01234565', symbology: 'upce', addon: 12 }, 422, 'addon'],
  ['add-on on EAN-8', { data: '96385074', symbology: 'ean8', addon: '12' }, 422, 'addon'],
  ['add-on on a QR code', { data: 'x', addon: '12' }, 422, 'addon'],
  ['ITF-14 wrong check digit', { data: '10012345678900', symbology: 'itf14' }, 422, 'data'],
  ['GS1-128 wrong GTIN check digit', { data: '(01)09506000134353', symbology: 'gs1-128' }, 422, 'data'],
  ['interleaved 2 of 5 letters', { data: 'ABC', symbology: 'interleaved2of5' }, 422, 'data'],
  ['code39 invalid character', { data: 'AB~C', symbology: 'code39' }, 422, 'data'],
  ['QR data too long', { data: 'x'.repeat(8000) }, 422, 'data'],
  ['micro QR data too long', { data: 'y'.repeat(60), symbology: 'microqrcode' }, 422, 'data'],
  ['PDF417 data too long', { data: 'z'.repeat(3000), symbology: 'pdf417' }, 422, 'data'],
  ['MaxiCode data too long', { data: 'm'.repeat(200), symbology: 'maxicode' }, 422, 'data'],
  ['image over 4096 px', { data: 'x'.repeat(1000), scale: 50 }, 422, 'scale'],
  ['metadata not an object', { data: 'x', metadata: 'tag' }, 422, 'metadata'],
  ['metadata value not a string', { data: 'x', metadata: { k: 5 } }, 422, 'metadata.k'],
  ['metadata with too many keys', { data: 'x', metadata: tooManyKeys }, 422, 'metadata'],
];

describe('bad input gets a 4xx problem naming the field', () => {
  it.each(CASES)('%s', async (_name, body, status, path) => {
    const res = await stack.request('POST', '/v1/codes', unchecked(body));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as any;
    expect(problem).toMatchObject({
      status,
      type: expect.any(String),
      title: expect.any(String),
      code: 'validation_failed',
    });
    expect(problem.errors.map((e: any) => e.path)).toContain(path);
    for (const error of problem.errors) expect(error.message).toBeTypeOf('string');
  });

  it('scale and size together are refused', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: 'x', scale: 4, size: 300 });
    expect(res.status).toBe(422);
    const paths = ((await res.json()) as any).errors.map((e: any) => e.path);
    expect(paths.some((p: string) => p === 'size' || p === 'scale')).toBe(true);
  });

  it('invalid JSON is a 400 problem', async () => {
    const res = await stack.request('POST', '/v1/codes', unchecked('{"data": "x",'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).code).toBe('invalid_json');
  });

  it('a body over the limit is a 413 problem', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: 'x'.repeat(stack.config.bodyLimitBytes + 10) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).code).toBe('payload_too_large');
  });

  it('a non-JSON content type is a 415 problem', async () => {
    const res = await stack.request('POST', '/v1/codes', unchecked('data=x'), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
  });

  it('nothing rejected reached the queue, and the service still serves', async () => {
    const counts = await stack.queues.render.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const queued = Object.values(counts).reduce((a, b) => a + b, 0);
    const rows = await stack.db
      .selectFrom('codes')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(queued).toBe(Number(rows.n));
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    expect((await stack.request('POST', '/v1/codes', { data: 'still fine' })).status).toBe(202);
  });
});

describe('random bodies never see a 5xx', () => {
  const fieldValue = fc.oneof(
    fc.string(),
    fc.integer({ min: -10, max: 5000 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      'qrcode',
      'code128',
      'ean13',
      'datamatrix',
      'pdf417',
      'maxicode',
      'png',
      'svg',
      '#000',
      'H',
      '4006381333931',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const body = fc.oneof(
    fc.dictionary(fc.constantFrom(...RENDER_FIELDS, 'metadata', 'junk'), fieldValue, { maxKeys: 6 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.string(),
  );

  it('fuzzes POST /v1/codes', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const text = typeof value === 'string' && Math.random() < 0.5 ? value : JSON.stringify(value);
        const res = await stack.request('POST', '/v1/codes', unchecked(text ?? 'undefined'));
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 2500 },
    );
  }, 120_000);

  it('fuzzes GET /v1/codes query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('status', 'limit', 'cursor', 'batch_id', 'x'), fc.string()),
        async (query) => {
          const res = await stack.request('GET', `/v1/codes?${new URLSearchParams(query)}`);
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);
});
