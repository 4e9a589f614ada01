// Text is checked as text at the edge (issue 15, finding 1): NUL, lone surrogates and invalid UTF-8 in
// any string of any body, query or batch row are a 4xx naming the field, never a 500 and never a
// statement that fails the other submissions micro-batched with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubmitter } from '../../src/api/routes/codes.ts';
import { newId } from '../../src/domain/ids.ts';
import { startStack, unchecked, type RequestBody, type TestStack } from '../support/harness.ts';

/** A batch upload's query string, if any. */
type Query = `?${string}` | '';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
});
afterAll(() => stack.close());

/** Raw bytes as the body (a JavaScript string always encodes to valid UTF-8). */
function postBytes(url: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  return stack.request('POST', url, unchecked(bytes), headers);
}

async function expectFieldProblem(res: Response, path: string, status = 422) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const problem = JSON.parse(text);
  expect(problem.code).toMatch(/^(validation_failed|invalid_batch_file)$/);
  expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
}

const NUL = '\u0000';
const LONE = '\udc00';

describe('JSON bodies', () => {
  it.each([
    ['NUL in a metadata value', { data: 'x', metadata: { x: `a${NUL}b` } }, 'metadata.x'],
    ['NUL in data', { data: `x${NUL}` }, 'data'],
    ['a lone low surrogate in metadata', { data: 'x', metadata: { x: `a${LONE}` } }, 'metadata.x'],
    ['a lone high surrogate in data', { data: 'x\ud800' }, 'data'],
    ['NUL in a payload field', { payload: { type: 'wifi', ssid: `HQ${NUL}` } }, 'payload.ssid'],
    ['NUL in a metadata key', { data: 'x', metadata: { [`a${NUL}b`]: 'v' } }, 'metadata.a\\u0000b'],
    ['NUL in webhook_url', { data: 'x', webhook_url: `https://example.com/${NUL}` }, 'webhook_url'],
    ['NUL in an unknown field', { data: 'x', [`f${NUL}`]: 1 }, 'f\\u0000'],
    ['NUL deep in an array', { data: 'x', metadata: { list: ['ok', `b${NUL}`] } }, 'metadata.list.1'],
  ])('POST /v1/codes: %s is a 422 naming the field', async (_name, body, path) => {
    await expectFieldProblem(await stack.request('POST', '/v1/codes', unchecked(body)), path);
  });

  it('invalid UTF-8 bytes in a string are a 422 naming the field, not silently U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"data":"ok","metadata":{"k":"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    await expectFieldProblem(await postBytes('/v1/codes', bytes), 'metadata.k');
    const overlong = Buffer.concat([Buffer.from('{"data":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]);
    await expectFieldProblem(await postBytes('/v1/codes', overlong), 'data');
  });

  it('with an Idempotency-Key too (its fingerprint reads the bytes, not a lossy text)', async () => {
    const bytes = Buffer.concat([Buffer.from('{"data":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    await expectFieldProblem(await postBytes('/v1/codes', bytes, { 'idempotency-key': 'bad-bytes-1' }), 'data');
  });

  it('a legitimate U+FFFD and other non-ASCII text are still accepted', async () => {
    const res = await stack.request('POST', '/v1/codes', {
      data: 'caf\u00e9 \ufffd \u{1f600}',
      metadata: { k: '\u00fc' },
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).data).toBe('caf\u00e9 \ufffd \u{1f600}');
  });

  it('a body nested 30,000 levels deep (it fits in 64 KB) is a 4xx, not a stack overflow', async () => {
    for (const field of ['metadata', 'data', 'payload', 'junk'])
      for (const leaf of ['"a\\u0000"', '"a"', '{}']) {
        const body = `{"data":"x","${field}":${'['.repeat(30_000)}${leaf}${']'.repeat(30_000)}}`.replace(
          '"data":"x",',
          field === 'data' ? '' : '"data":"x",',
        );
        const res = await stack.request('POST', '/v1/codes', unchecked(body));
        expect(res.status, field).toBeGreaterThanOrEqual(400);
        expect(res.status, field).toBeLessThan(500);
      }
  });

  it('POST /v1/render-urls refuses what every view would fail on', async () => {
    await expectFieldProblem(await stack.request('POST', '/v1/render-urls', { data: `x${NUL}` }), 'data');
  });

  it('POST and PATCH /v1/webhook-endpoints name the field', async () => {
    await expectFieldProblem(
      await stack.request('POST', '/v1/webhook-endpoints', { url: `https://example.com/${LONE}` }),
      'url',
    );
    await expectFieldProblem(
      await stack.request(
        'POST',
        '/v1/webhook-endpoints',
        unchecked({ url: 'https://example.com/', events: [`code.succeeded${NUL}`] }),
      ),
      'events.0',
    );
  });
});

describe('payload builders (finding 11)', () => {
  it('the EPC injection is a 422 naming payload.name', async () => {
    const body: RequestBody<'POST', '/v1/codes'> = {
      payload: {
        type: 'epc',
        name: 'ACME GmbH\nDE02120300000000202051\nEUR999.99',
        iban: 'DE89370400440532013000',
        amount: 10,
      },
    };
    await expectFieldProblem(await stack.request('POST', '/v1/codes', body), 'payload.name');
  });
});

describe('query strings', () => {
  it.each([
    ['/v1/render?data=%00x', 'query.data'],
    ['/v1/render?data=x&foreground=%00', 'query.foreground'],
    ['/v1/render?data=%FFx', 'query.data'],
    ['/v1/render?data=%ED%A0%80', 'query.data'],
    ['/v1/codes?status=%00', 'query.status'],
    ['/v1/events?after=evt%00', 'query.after'],
  ])('GET %s is a 422 naming the parameter', async (url, path) => {
    await expectFieldProblem(await stack.request('GET', url), path);
  });

  it('batch defaults in the query are checked too', async () => {
    await expectFieldProblem(
      await stack.request('POST', '/v1/batches?foreground=%00', 'data\nx\n', { 'content-type': 'text/csv' }),
      'query.foreground',
    );
  });
});

describe('batch rows', () => {
  const csv = (body: string, query: Query = '') =>
    stack.request('POST', `/v1/batches${query}`, body, { 'content-type': 'text/csv' });
  const jsonl = (body: string, query: Query = '') =>
    stack.request('POST', `/v1/batches${query}`, body, { 'content-type': 'application/x-ndjson' });

  it('a NUL in a CSV cell is a 422 naming the row and column, and nothing is stored', async () => {
    await expectFieldProblem(await csv(`data,metadata.note\nok,fine\nx,a${NUL}b\n`), 'rows.3.metadata.note');
    await expectFieldProblem(await csv(`data,custom_id\nx${NUL},1\n`, '?validate_only=true'), 'rows.2.data');
    const batches = await stack.db.selectFrom('batches').select('id').execute();
    expect(batches).toEqual([]);
  });

  it('a lone surrogate or NUL in a JSONL row is a 422 naming the field', async () => {
    await expectFieldProblem(
      await jsonl(`{"data":"ok"}\n{"data":"x","metadata":{"k":"\\udc00"}}\n`),
      'rows.2.metadata.k',
    );
    await expectFieldProblem(await jsonl(`{"data":"x\\u0000"}\n`, '?validate_only=true'), 'rows.1.data');
    await expectFieldProblem(await jsonl(`{"data":"x","filename":"a\\u0000.png"}\n`), 'rows.1.filename');
  });

  it('a CSV header naming a column with a NUL is a 422 naming the header', async () => {
    const res = await csv(`data,metadata.a${NUL}\nx,y\n`);
    expect(res.status).toBe(422);
  });
});

describe('a flush PostgreSQL refuses fails only the row at fault', () => {
  it('rows micro-batched with an unstorable one (past the edge checks) are stored', async () => {
    const submit = createSubmitter({ config: stack.config, db: stack.db, redis: stack.redis, queues: stack.queues });
    const row = (data: string, metadata = '{}') => ({
      id: newId('code'),
      account_id: stack.key.account_id,
      symbology: 'qrcode',
      data,
      format: 'png',
      options: '{}',
      metadata,
      result_key: `isolate-${data}`,
    });
    // Submitted in one tick: one flush, one statement, which PostgreSQL refuses for the NUL.
    const outcomes = await Promise.allSettled([
      submit(row('isolate-a')),
      submit(row('isolate-b', JSON.stringify({ x: `a${NUL}b` }))),
      submit(row('isolate-c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await stack.db.selectFrom('codes').select('data').where('data', 'like', 'isolate-%').execute();
    expect(stored.map((r) => r.data).sort()).toEqual(['isolate-a', 'isolate-c']);
    await stack.db.deleteFrom('codes').where('data', 'like', 'isolate-%').execute();
  });
});

describe('what was refused never reached the database or the queue', () => {
  it('the only rows are the accepted ones, and the service still serves', async () => {
    const rows = await stack.db.selectFrom('codes').select('data').execute();
    expect(rows.map((r) => r.data)).toEqual(['caf\u00e9 \ufffd \u{1f600}']);
    expect((await stack.request('POST', '/v1/codes', { data: 'still fine' })).status).toBe(202);
  });
});
