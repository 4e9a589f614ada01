// The contract, for every operation that takes a render: values generated from the live /openapi.json's own
// schemas are accepted by the document (ajv) and by the server; a mutation the server refuses, the document
// refuses too, unless the refused rule is one the document names in a description ("Checked by the server").
// The admin operations (webhooks, keys, lists, usage) are in contract-admin.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events.ts';
import type { Json } from '../support/arbitraries.ts';
import {
  PUBLIC_HOOK,
  csvRowOf,
  forAll,
  fromQuery,
  mutate,
  mutationOf,
  namedInDescriptions,
  ownProperty,
  refusalsDocumented,
  toCsv,
  toQuery,
  validBody,
  verdictOf,
  type Verdict,
} from '../support/contract.ts';
import { startStack, unchecked, type TestStack } from '../support/harness.ts';
import { liveDocument, type LiveDocument } from '../support/live-document.ts';

const RUNS = Number(process.env.CONTRACT_RUNS ?? 2000);
const MUTATIONS = Math.round(RUNS / 2);
vi.setConfig({ testTimeout: 300_000 });

let stack: TestStack;
let live: LiveDocument;
beforeAll(async () => {
  // No render worker: GET /v1/render records and queues its code, then answers 503 render_pending at once
  // (a wait slot held, see below); rendering is render-url.test.ts's. Every row error of a file is listed.
  stack = await startStack({
    workers: 0,
    env: { BATCH_VALIDATE_MAX_ERRORS: String(RUNS * 4), RENDER_WAIT_SECONDS: '1', WAIT_MAX_PER_ACCOUNT: '1' },
  });
  live = await liveDocument(stack);
});
afterAll(() => stack?.close());

const show = (value: unknown) => JSON.stringify(value).slice(0, 400);
// Generated and mutated bodies are checked against the document at run time (ajv), not by the types.
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  stack.request('POST', path, unchecked(body), headers);
/** A query string as the document reads it: each parameter deserialized by its schema. */
const queryValue = (query: string, schema: Json) =>
  Object.fromEntries([...new URLSearchParams(query)].map(([k, text]) => [k, fromQuery(text, ownProperty(schema, k))]));

/** Valid bodies of `path` are accepted; refused mutations are refused by the document or named in it. */
function bodyContract(path: string, status: number, extra: string[], mutationExtra: string[] = []) {
  const schema = () => live.body(path);
  it(`${path}: ${RUNS} generated bodies, each valid for the document and answered ${status}`, async () => {
    const validate = live.validator(schema());
    await forAll(validBody(schema(), { extra }), RUNS, async (body) => {
      expect(validate(body), show(body)).toEqual([]);
      const res = await post(path, body);
      expect(res.status, `${show(body)} → ${await res.text()}`).toBe(status);
    });
  });
  it(`${path}: ${MUTATIONS} mutations; those the server refuses, the document refuses or names`, async () => {
    const validate = live.validator(schema());
    const refused = await refusalsDocumented({
      arbitrary: fc
        .tuple(validBody(schema(), { extra: mutationExtra }), mutationOf(schema(), { payload: true }))
        .map(([body, m]) => mutate(body, m)),
      runs: MUTATIONS,
      send: async (body) => verdictOf(await post(path, body), (s) => s === status),
      documentErrors: validate,
      named: (e) => namedInDescriptions(schema(), e),
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 4);
  });
}

describe('POST /v1/codes', () => {
  bodyContract('/v1/codes', 202, ['metadata', 'webhook_url', 'webhook_events'], ['metadata']);
});

describe('POST /v1/render-urls', () => {
  bodyContract('/v1/render-urls', 201, ['ttl_seconds'], ['ttl_seconds']);
});

describe('GET /v1/render', () => {
  // The render path records, charges and queues a code per request: a quarter of the runs, and of mutations.
  const RENDERS = Math.round(RUNS / 4);
  // One request waiting on the account's only wait slot (WAIT_MAX_PER_ACCOUNT=1): the renders answer at
  // once instead of each waiting RENDER_WAIT_SECONDS. Without it they answer the same, a second later.
  let holding = true;
  let holder: Promise<unknown> = Promise.resolve();
  beforeAll(() => {
    const hold = (): Promise<unknown> =>
      holding ? post('/v1/codes', { data: 'wait slot' }, { prefer: 'wait=2' }).then(hold) : Promise.resolve();
    holder = hold();
  });
  afterAll(async () => {
    holding = false;
    await holder;
  });
  const schema = () => live.query('/v1/render');
  const pending = (status: number, body: any) => status === 503 && body?.code === 'render_pending';

  it(`${RENDERS} query strings from the parameter schemas, each valid for the document and accepted`, async () => {
    const validate = live.validator(schema());
    await forAll(validBody(schema()), RENDERS, async (fields) => {
      const query = toQuery(fields);
      expect(queryValue(query, schema()), query).toEqual(fields);
      expect(validate(queryValue(query, schema())), query).toEqual([]);
      const res = await stack.request('GET', `/v1/render?${query}`);
      const answer = await res.text();
      expect(pending(res.status, JSON.parse(answer)), `${query} → ${res.status} ${answer}`).toBe(true);
    });
  });

  it(`${RENDERS} mutations; those the server refuses, the document refuses or names`, async () => {
    const validate = live.validator(schema());
    const refused = await refusalsDocumented({
      arbitrary: fc
        .tuple(validBody(schema()), mutationOf(schema(), { json: false }))
        .map(([fields, m]) => toQuery(mutate(fields, m))),
      runs: RENDERS,
      send: async (query) => verdictOf(await stack.request('GET', `/v1/render?${query}`), pending),
      documentErrors: (query) => validate(queryValue(query, schema())),
      named: (e) => namedInDescriptions(schema(), e),
    });
    expect(refused).toBeGreaterThan(RENDERS / 4);
  });
});

describe('POST /v1/batches (validate_only)', () => {
  const rowSchema = () => live.body('/v1/batches', 'post', 'application/x-ndjson');
  /** The answer to a file sent with validate_only: accepted when every row is valid. */
  const batchVerdict = async (res: Response): Promise<Verdict> => {
    const answer = await res.text();
    const body = JSON.parse(answer) as { valid?: boolean; errors?: { path: string; message: string }[] };
    if (res.status === 200 && body.valid) return { refused: false };
    expect([200, 422], answer).toContain(res.status);
    return { refused: true, errors: body.errors ?? [], answer: answer.slice(0, 400) };
  };
  const upload = (file: string, type: string, query = 'validate_only=true') =>
    post(`/v1/batches?${query}`, file, { 'content-type': type });
  const named = (e: { path: string; message: string }) => namedInDescriptions(rowSchema(), e);

  it(`application/x-ndjson: a file of ${RUNS} generated rows, each valid for the document; the server finds no error`, async () => {
    const check = live.validator(rowSchema());
    const rows = fc.sample(validBody(rowSchema(), { extra: ['metadata', 'filename', 'custom_id'] }), RUNS);
    for (const row of rows) expect(check(row), show(row)).toEqual([]);
    const answer = await (await upload(rows.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson')).json();
    expect(answer).toMatchObject({ errors: [], valid: true, counts: { total: RUNS, invalid: 0 } });
  });

  it(`application/x-ndjson: ${MUTATIONS} mutated rows; those the server refuses, the document refuses or names`, async () => {
    const check = live.validator(rowSchema());
    const refused = await refusalsDocumented({
      arbitrary: fc
        .tuple(validBody(rowSchema(), { extra: ['metadata'] }), mutationOf(rowSchema(), { payload: true }))
        .map(([row, m]) => mutate(row, m)),
      runs: MUTATIONS,
      send: async (row) => batchVerdict(await upload(JSON.stringify(row), 'application/x-ndjson')),
      documentErrors: check,
      named,
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 4);
  });

  // CSV: the columns are BatchRow's fields but payload (the body's description), metadata as metadata.<key>
  // (a key without dots or whitespace, a value not empty: an empty cell is an absent field).
  const csvRow = () =>
    validBody(rowSchema(), {
      extra: ['metadata', 'filename', 'custom_id'],
      withoutPayload: true,
      overrides: {
        filename: fc.string({ minLength: 1, maxLength: 12 }),
        custom_id: fc.string({ minLength: 1, maxLength: 12 }),
        // A few keys: a header over BATCH_ROW_MAX_BYTES is refused, and every row's keys are columns.
        metadata: fc.dictionary(
          fc.constantFrom('sku', 'lot', 'größe', 'a,b', 'say"hi"', 'x'.repeat(40)),
          fc.string({ minLength: 1, maxLength: 20 }),
          { minKeys: 1, maxKeys: 3 },
        ),
        // Text that needs quoting: commas, quotes and line breaks inside a cell.
        data: fc
          .array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(',', '"', '\n', '\r\n', '""')), {
            minLength: 1,
            maxLength: 6,
          })
          .map((parts) => parts.join(''))
          .filter((s) => s.length > 0),
      },
    });
  /**
   * One CSV row as the document reads it: cells typed by their column's schema, metadata.<key> under
   * metadata, an empty cell absent. A column that is neither is kept as it is, for the schema to refuse.
   */
  const rowValue = (cells: Record<string, string>) => {
    const row: Record<string, any> = {};
    for (const [column, text] of Object.entries(cells)) {
      const key = /^metadata\.([^.\s]+)$/.exec(column)?.[1];
      const known = key !== undefined || Object.hasOwn(rowSchema().properties, column);
      if (text === '' && known) continue;
      if (key !== undefined) (row.metadata ??= {})[key] = text;
      else row[column] = fromQuery(text, ownProperty(rowSchema(), column));
    }
    return row;
  };

  it(`text/csv: a file of ${RUNS} generated rows, quoted as RFC 4180 says, each valid for the document; no error`, async () => {
    const check = live.validator(rowSchema());
    // Some rows quote every cell, needed or not: a quoted cell reads as the same text.
    const samples = fc.sample(fc.tuple(csvRow(), fc.boolean()), RUNS);
    const rows = samples.map(([row]) => row);
    const quoted = samples.map(([, quote]) => quote);
    for (const row of rows) {
      expect(check(row), show(row)).toEqual([]);
      // What the document says a row's cells mean is the row itself.
      expect(rowValue(csvRowOf(row)), show(row)).toEqual(row);
    }
    const answer = await (await upload(toCsv(rows.map(csvRowOf), quoted), 'text/csv')).json();
    expect(answer).toMatchObject({ errors: [], valid: true, counts: { total: RUNS, invalid: 0 } });
  });

  it(`text/csv: ${MUTATIONS} mutated rows; those the server refuses, the document refuses or names`, async () => {
    const check = live.validator(rowSchema());
    const refused = await refusalsDocumented({
      arbitrary: fc
        .tuple(csvRow(), mutationOf(rowSchema(), { json: false }))
        .map(([row, m]) => csvRowOf(mutate(row, m))),
      runs: MUTATIONS,
      send: async (cells) => batchVerdict(await upload(toCsv([cells]), 'text/csv')),
      documentErrors: (cells) => check(rowValue(cells)),
      named,
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 4);
  });

  // Query parameters are defaults for every row: a valid row split between the query and the file. The
  // defaults must be valid on their own (named in the descriptions): the options that apply go with their
  // symbology, colours with each other and the contrast waiver, the logo with its size, an add-on with the
  // bar height and text it is checked against.
  const BATCH_QUERIES = Math.round(RUNS / 4);
  const querySchema = () => live.query('/v1/batches', 'post');
  const split = () =>
    validBody(rowSchema(), { withoutPayload: true }).chain((row) =>
      fc.record({
        row: fc.constant(row),
        toQuery: fc.subarray(Object.keys(row).filter((k) => k !== 'data')).map((moved) => together(row, moved)),
        webhook: fc.option(fc.subarray([...EVENT_TYPES], { minLength: 1 })),
      }),
    );
  const GROUPS = [
    ['foreground', 'background', 'allow_low_contrast'],
    ['logo', 'logo_size'],
    ['addon', 'bar_height', 'include_text'],
  ];
  const together = (row: Json, moved: string[]) =>
    moved.length === 0
      ? []
      : [...new Set([...moved, 'symbology', ...GROUPS.filter((g) => g.some((k) => moved.includes(k))).flat()])].filter(
          (k) => k in row,
        );
  const queryOf = ({ row, toQuery: moved, webhook }: { row: Json; toQuery: string[]; webhook: string[] | null }) => ({
    ...Object.fromEntries(moved.map((k) => [k, row[k]])),
    ...(webhook ? { webhook_url: PUBLIC_HOOK, webhook_events: webhook.join(',') } : {}),
  });
  const fileOf = ({ row, toQuery: moved }: { row: Json; toQuery: string[] }) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).filter(([k]) => !moved.includes(k))));

  it(`query defaults: ${BATCH_QUERIES} generated from the parameter schemas, each valid for the document and accepted`, async () => {
    const check = live.validator(querySchema());
    await forAll(split(), BATCH_QUERIES, async (generated) => {
      const query = toQuery({ validate_only: true, ...queryOf(generated) });
      expect(check(queryValue(query, querySchema())), query).toEqual([]);
      const verdict = await batchVerdict(await upload(fileOf(generated), 'application/x-ndjson', query));
      expect(verdict, `${query} ${fileOf(generated)}`).toEqual({ refused: false });
    });
  });

  it(`query defaults: ${MUTATIONS / 2} mutations; those the server refuses, the document refuses or names`, async () => {
    const check = live.validator(querySchema());
    // validate_only stays: without it the upload would create a batch.
    const { validate_only: _, ...mutable } = querySchema().properties;
    const refused = await refusalsDocumented({
      arbitrary: fc.tuple(split(), mutationOf({ properties: mutable }, { json: false })).map(([generated, m]) => ({
        query: toQuery({ validate_only: true, ...mutate(queryOf(generated), m) }),
        file: fileOf(generated),
      })),
      runs: MUTATIONS / 2,
      send: async ({ query, file }) => batchVerdict(await upload(file, 'application/x-ndjson', query)),
      documentErrors: ({ query }) => check(queryValue(query, querySchema())),
      named: (e) => namedInDescriptions(querySchema(), e) || named(e),
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 8);
  });
});
