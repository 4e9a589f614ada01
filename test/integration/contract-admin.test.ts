// The contract for the operations around renders: webhook endpoints, keys, the list queries, usage and the
// event stream. As in contract.test.ts: values generated from the live /openapi.json's schemas are accepted
// by ajv and the server; a mutation the server refuses, the document refuses too or names in a description.
// These are cheap single-row writes and reads: a quarter of CONTRACT_RUNS each, an eighth for mutations.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/domain/ids.ts';
import { arbitraryOf, type Json } from '../support/arbitraries.ts';
import {
  PUBLIC_HOOK,
  forAll,
  mutate,
  mutationOf,
  namedInDescriptions,
  refusalsDocumented,
  toQuery,
  verdictOf,
} from '../support/contract.ts';
import { eventually, startStack, unchecked, type TestStack } from '../support/harness.ts';
import { liveDocument, type LiveDocument } from '../support/live-document.ts';

const RUNS = Math.round(Number(process.env.CONTRACT_RUNS ?? 2000) / 4);
const MUTATIONS = Math.round(RUNS / 2);
const PARALLEL = 10;
vi.setConfig({ testTimeout: 300_000 });

let stack: TestStack;
let live: LiveDocument;
/** Values the server hands out (cursors, ids), which the valid queries take: the descriptions say so. */
const given = { codeCursors: [] as string[], batchCursors: [] as string[], deliveryCursors: [] as string[] };
let eventIds: string[] = [];
const batchIds: string[] = [];
let endpointId = '';
let canceledCode = '';

const hookUrl = fc.array(fc.webSegment(), { maxLength: 4 }).map((path) => [PUBLIC_HOOK, ...path].join('/'));
const cursorOf = async (url: string) =>
  ((await (await stack.request('GET', url)).json()) as Json).next_cursor as string;

beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { ACCOUNT_MAX_KEYS: '100000' } });
  live = await liveDocument(stack);
  // Codes, three canceled (their code.canceled events fill the feed), two batches (left validating: no
  // worker), an endpoint with three test deliveries (pending: no webhooks worker).
  const codes = await Promise.all(
    [1, 2, 3, 4, 5].map(
      async (n) => ((await (await stack.request('POST', '/v1/codes', { data: `c${n}` })).json()) as Json).id,
    ),
  );
  for (const id of codes.slice(0, 3)) await stack.request('POST', `/v1/codes/${id}/cancel`);
  canceledCode = codes[0];
  for (const row of ['a', 'b'])
    batchIds.push(
      (
        (await (
          await stack.request('POST', '/v1/batches', `data\n${row}\n`, { 'content-type': 'text/csv' })
        ).json()) as Json
      ).id,
    );
  endpointId = ((await (await stack.request('POST', '/v1/webhook-endpoints', { url: PUBLIC_HOOK })).json()) as Json).id;
  for (let i = 0; i < 3; i++) await stack.request('POST', `/v1/webhook-endpoints/${endpointId}/test`);
  for (const limit of [1, 2, 3]) given.codeCursors.push(await cursorOf(`/v1/codes?limit=${limit}`));
  given.batchCursors.push(await cursorOf('/v1/batches?limit=1'));
  for (const limit of [1, 2])
    given.deliveryCursors.push(await cursorOf(`/v1/webhook-endpoints/${endpointId}/deliveries?limit=${limit}`));
  // The feed lists an event once every older transaction on the PostgreSQL server has ended.
  eventIds = await eventually(async () => {
    const page = (await (await stack.request('GET', '/v1/events')).json()) as { data: { id: string }[] };
    return page.data.length >= 3 && page.data.map((e) => e.id);
  });
  expect([...Object.values(given).flat(), ...batchIds, endpointId].every(Boolean)).toBe(true);
});
afterAll(() => stack?.close());

const show = (value: unknown) => JSON.stringify(value).slice(0, 400);

/** A JSON body operation: generated bodies accepted with `status`; refused mutations refused by the document. */
function bodyContract(options: {
  method: string;
  path: string;
  url: (lane: number) => string;
  status: number;
  overrides?: Record<string, fc.Arbitrary<unknown>>;
  /** Sees each accepted answer (a key roll moves its lane's key on). */
  accepted?: (answer: Json, lane: number) => void;
}) {
  const { method, path, status } = options;
  const schema = () => live.body(path, method.toLowerCase());
  const valid = () => arbitraryOf(schema(), options.overrides) as fc.Arbitrary<Record<string, unknown>>;
  const send = async (body: unknown, lane: number) => {
    // Generated and mutated bodies are checked against the document at run time (ajv), not by the types.
    const res = await stack.request(method, options.url(lane), unchecked(body));
    if (res.status === status) options.accepted?.((await res.clone().json()) as Json, lane);
    return res;
  };
  it(`${method} ${path}: ${RUNS} generated bodies, each valid for the document and answered ${status}`, async () => {
    const validate = live.validator(schema());
    await forAll(valid(), RUNS, async (body, lane) => {
      expect(validate(body), show(body)).toEqual([]);
      const res = await send(body, lane);
      expect(res.status, `${show(body)} → ${await res.text()}`).toBe(status);
    });
  });
  it(`${method} ${path}: ${MUTATIONS} mutations; those the server refuses, the document refuses or names`, async () => {
    const refused = await refusalsDocumented({
      arbitrary: fc.tuple(valid(), mutationOf(schema())).map(([body, m]) => mutate(body, m)),
      runs: MUTATIONS,
      send: async (body, lane) => verdictOf(await send(body, lane), (s) => s === status),
      documentErrors: live.validator(schema()),
      named: (e) => namedInDescriptions(schema(), e),
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 4);
  });
}

/** A query operation: generated queries answered 200; refused mutations refused by the document. */
function queryContract(options: {
  path: string;
  url: string | (() => string);
  overrides: () => Record<string, fc.Arbitrary<unknown>>;
  /** The rules between parameters the descriptions name, applied to a generated query. */
  fit?: (query: Record<string, string>) => Record<string, string>;
}) {
  const schema = () => live.query(options.path);
  const url = () => (typeof options.url === 'string' ? options.url : options.url());
  const valid = () =>
    (arbitraryOf(schema(), options.overrides()) as fc.Arbitrary<Record<string, string>>).map(options.fit ?? ((q) => q));
  const get = (query: Record<string, unknown>) => stack.request('GET', `${url()}?${toQuery(query)}`);
  it(`GET ${options.path}: ${RUNS} generated queries, each valid for the document and answered 200`, async () => {
    const validate = live.validator(schema());
    await forAll(valid(), RUNS, async (query) => {
      expect(validate(query), show(query)).toEqual([]);
      const res = await get(query);
      expect(res.status, `${show(query)} → ${await res.text()}`).toBe(200);
    });
  });
  it(`GET ${options.path}: ${MUTATIONS} mutations; those the server refuses, the document refuses or names`, async () => {
    const refused = await refusalsDocumented({
      // Query values are text: a mutation sets a parameter to any text, adds an unknown one or drops one.
      arbitrary: fc.tuple(valid(), mutationOf(schema(), { json: false })).map(([q, m]) => mutate(q, m)),
      runs: MUTATIONS,
      send: async (query) => verdictOf(await get(query), (s) => s === 200),
      documentErrors: live.validator(schema()),
      named: (e) => namedInDescriptions(schema(), e),
    });
    expect(refused).toBeGreaterThan(MUTATIONS / 4);
  });
}

const limit = fc.integer({ min: 1, max: 100 }).map(String);

describe('webhook endpoints', () => {
  bodyContract({
    method: 'POST',
    path: '/v1/webhook-endpoints',
    url: () => '/v1/webhook-endpoints',
    status: 201,
    overrides: { url: hookUrl },
  });
  bodyContract({
    method: 'PATCH',
    path: '/v1/webhook-endpoints/{id}',
    url: () => `/v1/webhook-endpoints/${endpointId}`,
    status: 200,
    overrides: { url: hookUrl },
  });
  queryContract({
    path: '/v1/webhook-endpoints/{id}/deliveries',
    url: () => `/v1/webhook-endpoints/${endpointId}/deliveries`,
    overrides: () => ({ cursor: fc.constantFrom(...given.deliveryCursors), limit }),
  });
});

describe('keys', () => {
  const future = fc
    .date({ min: new Date(Date.now() + 86_400_000), max: new Date('2099-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString());
  bodyContract({
    method: 'POST',
    path: '/v1/keys',
    url: () => '/v1/keys',
    status: 201,
    overrides: { name: fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim() !== ''), expires_at: future },
  });
  // A roll keeps the old key until its grace ends, so each lane rolls its own key's successor on.
  const tips: string[] = [];
  beforeAll(async () => {
    for (let lane = 0; lane < PARALLEL; lane++)
      tips.push(((await (await stack.request('POST', '/v1/keys', {})).json()) as Json).id);
  });
  bodyContract({
    method: 'POST',
    path: '/v1/keys/{id}/roll',
    url: (lane) => `/v1/keys/${tips[lane]}/roll`,
    status: 201,
    accepted: (rolled, lane) => (tips[lane] = rolled.id),
  });
});

describe('lists and usage', () => {
  queryContract({
    path: '/v1/codes',
    url: '/v1/codes',
    overrides: () => ({
      cursor: fc.constantFrom(...given.codeCursors),
      batch_id: fc.constantFrom(...batchIds, newId('batch')),
      limit,
    }),
  });
  queryContract({
    path: '/v1/batches',
    url: '/v1/batches',
    overrides: () => ({ cursor: fc.constantFrom(...given.batchCursors), limit }),
  });
  queryContract({
    path: '/v1/events',
    url: '/v1/events',
    overrides: () => ({ after: fc.constantFrom(...eventIds), limit }),
  });
  // from ≤ to, spanning less than USAGE_MAX_DAYS (both named in the descriptions); to defaults to today.
  const day = (d: Date) => d.toISOString().slice(0, 10);
  queryContract({
    path: '/v1/usage',
    url: '/v1/usage',
    overrides: () => ({}),
    fit: (query) => {
      const to = query.to ?? day(new Date());
      const maxDays = stack.config.usageMaxDays;
      if (query.from === undefined) return query;
      const span = Math.abs(Date.parse(to) - Date.parse(query.from)) % (maxDays * 86_400_000);
      return { ...query, from: day(new Date(Date.parse(to) - span)) };
    },
  });
});

describe('GET /v1/codes/{id}/events', () => {
  const STREAMS = Math.round(RUNS / 5);
  it(`${STREAMS} generated queries, each valid for the document and answered with the stream`, async () => {
    const schema = live.query('/v1/codes/{id}/events');
    const validate = live.validator(schema);
    // The key authenticates, so a token is not needed; last_event_id resumes the stream (a canceled code's ends).
    await forAll(arbitraryOf(schema) as fc.Arbitrary<Record<string, string>>, STREAMS, async (query) => {
      expect(validate(query), show(query)).toEqual([]);
      const res = await stack.request('GET', `/v1/codes/${canceledCode}/events?${toQuery(query)}`);
      expect(res.status, show(query)).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await res.text();
    });
  });
});
