// Real answers against the live /openapi.json: every operation with a JSON answer is called, and each answer
// must match the schema the document gives for its status, closed (a field the document does not list fails
// too). And no response schema in the document is a bare object: each lists its properties, or says what its
// keys map to.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, webhookDepsOf } from '../../src/jobs/deliver-webhook.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { eventually, startStack, unchecked, type TestStack } from '../support/harness.ts';

type Json = Record<string, any>;
// 1×1 PNG, for a styled code that is verified and sized for print.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
// Nothing listens on the discard port: a delivery attempt there fails at once, and is logged.
const DEAD_HOOK = 'http://127.0.0.1:9/hook';

let stack: TestStack;
let doc: Json;
let closedSchemas: Json;
let webhooks: { worker: Worker; connection: ReturnType<typeof createRedis> };
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();
const checked = new Set<string>();

beforeAll(async () => {
  stack = await startStack({ env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8' } });
  doc = (await (await stack.request('GET', '/openapi.json', undefined, { authorization: '' })).json()) as Json;
  closedSchemas = Object.fromEntries(Object.entries(doc.components.schemas).map(([k, s]) => [k, closed(s as Json)]));
  const connection = createRedis(stack.config.redisUrl, 'worker');
  const deps = webhookDepsOf(stack.config, stack.db, stack.queues);
  webhooks = {
    connection,
    worker: new Worker('webhooks', (job) => deliverWebhook(job, deps), {
      connection,
      prefix: stack.config.queuePrefix,
    }),
  };
});
afterAll(async () => {
  await webhooks?.worker.close();
  webhooks?.connection.disconnect();
  await stack?.close();
});

/**
 * The schema closed: an object schema that lists properties (and says nothing of others) refuses any other.
 * allOf members are left open and their union closed, so a property of one member is not refused by another.
 */
function closed(schema: Json, inAllOf = false): Json {
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = { ...schema };
  for (const key of ['properties', 'patternProperties'])
    if (out[key]) out[key] = Object.fromEntries(Object.entries(out[key]).map(([k, s]) => [k, closed(s as Json)]));
  for (const key of ['additionalProperties', 'items'])
    if (out[key] && typeof out[key] === 'object') out[key] = closed(out[key]);
  for (const key of ['oneOf', 'anyOf']) if (out[key]) out[key] = out[key].map((s: Json) => closed(s));
  if (out.allOf) out.allOf = out.allOf.map((s: Json) => closed(s, true));
  if (!inAllOf && (out.properties || out.allOf) && out.additionalProperties === undefined)
    out.unevaluatedProperties = false;
  return out;
}

/** The validator of one documented response schema, closed, its $refs resolved in the closed components. */
function validatorOf(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ ...closed(schema), components: { schemas: closedSchemas } });
    compiled.set(key, validate);
  }
  return validate;
}

/** Calls an operation (`template` as the document names it) and checks the answer against its documented schema. */
async function call(
  method: string,
  template: string,
  options: { url?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const url = options.url ?? template;
  // One helper for every operation: its bodies are checked against the document at run time, not by the types.
  const res = await stack.request(method, url, unchecked(options.body), options.headers);
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the document`).toBeDefined();
  const documented = operation.responses[String(res.status)];
  expect(documented, `${method} ${url} answered ${res.status}, which it does not document`).toBeDefined();
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
  const schema = documented.content?.[type]?.schema;
  expect(schema, `${method} ${template} ${res.status} documents no ${type} schema`).toBeDefined();
  const body = await res.json();
  const validate = validatorOf(schema);
  expect(
    validate(body),
    `${method} ${url} → ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 800)}`,
  ).toBe(true);
  if (res.status < 300) checked.add(`${method.toLowerCase()} ${template}`);
  return { status: res.status, body };
}

const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\n');

describe('real answers match the schema documented for their status', () => {
  it('operators: health, readiness, this document', async () => {
    const none = { headers: { authorization: '' } };
    await call('GET', '/healthz', none);
    await call('GET', '/readyz', none);
    await call('GET', '/openapi.json', none);
  });

  it('codes: plain, styled (verified, print size), with a webhook; read, list, cancel; problems', async () => {
    const wait = { prefer: 'wait=10' };
    const plain = await call('POST', '/v1/codes', { body: { data: 'schema check' }, headers: wait });
    expect(plain.body.status).toBe('succeeded');
    const styled = await call('POST', '/v1/codes', {
      body: { data: 'styled', module_style: 'rounded', logo: PNG, dpi: 300, metadata: { sku: 'A-1' } },
      headers: wait,
    });
    expect(styled.body.status).toBe('succeeded');
    expect(styled.body.verification).not.toBeNull();
    expect(styled.body.result.print).not.toBeNull();
    await call('POST', '/v1/codes', {
      body: { symbology: 'ean13', data: '590123412345', x_dim_mm: 0.33, format: 'pdf', webhook_url: DEAD_HOOK },
      headers: wait,
    });
    const { id } = plain.body;
    await call('GET', '/v1/codes/{id}', { url: `/v1/codes/${id}` });
    await call('GET', '/v1/codes', { url: '/v1/codes?limit=2' });
    await call('POST', '/v1/codes/{id}/cancel', { url: `/v1/codes/${id}/cancel` });
    expect((await call('POST', '/v1/codes', { body: { data: '' } })).status).toBe(422);
    expect((await call('GET', '/v1/codes/{id}', { url: '/v1/codes/code_none' })).status).toBe(404);
  });

  it('render URLs', async () => {
    await call('POST', '/v1/render-urls', { body: { data: 'https://example.com/p/1', ttl_seconds: 60 } });
  });

  it('batches: upload with defaults, read, list, validate, retry, cancel', async () => {
    const file = csv([
      ['data', 'filename', 'custom_id', 'metadata.sku'],
      ['https://example.com/a', 'a', '1', 'x'],
      ['https://example.com/b', 'b', '2', 'y'],
    ]);
    const upload = await call('POST', '/v1/batches', {
      url: `/v1/batches?scale=3&ecc=q&metadata.source=test&webhook_url=${encodeURIComponent(DEAD_HOOK)}`,
      body: file,
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.status).toBe(202);
    const { id } = upload.body;
    await eventually(
      async () => (await call('GET', '/v1/batches/{id}', { url: `/v1/batches/${id}` })).body.status === 'completed',
    );
    await call('GET', '/v1/batches', { url: '/v1/batches?limit=5' });
    const validation = await call('POST', '/v1/batches', {
      url: '/v1/batches?validate_only=true',
      body: csv([
        ['data', 'symbology'],
        ['123', 'ean13'],
        ['ok', 'qrcode'],
      ]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(validation.body.errors.length).toBeGreaterThan(0);
    await call('POST', '/v1/batches/{id}/retry', { url: `/v1/batches/${id}/retry` });
    // A finished batch cannot be canceled (409); a fresh one usually can (200): either answer is documented.
    expect((await call('POST', '/v1/batches/{id}/cancel', { url: `/v1/batches/${id}/cancel` })).status).toBe(409);
    const rows = [['data'], ...Array.from({ length: 40 }, (_, i) => [`row ${i}`])];
    const fresh = await call('POST', '/v1/batches', { body: csv(rows), headers: { 'content-type': 'text/csv' } });
    await call('POST', '/v1/batches/{id}/cancel', { url: `/v1/batches/${fresh.body.id}/cancel` });
  });

  it('events: the feed, with code and batch events, and an event’s deliveries', async () => {
    // The feed lists an event once every older transaction on the server has ended (other files run alongside).
    const page = await eventually(async () => {
      const { body } = await call('GET', '/v1/events', { url: '/v1/events?limit=100' });
      return body.data.some((e: Json) => e.type === 'batch.completed') && body;
    });
    const codeEvent = page.data.find((e: Json) => e.type === 'code.succeeded');
    await call('GET', '/v1/events/{id}/deliveries', { url: `/v1/events/${codeEvent.id}/deliveries` });
    await call('GET', '/v1/event-types');
  });

  it('webhook endpoints and deliveries: create, read, list, change, test, attempts, retry, delete; secret rotation', async () => {
    const created = await call('POST', '/v1/webhook-endpoints', {
      body: { url: DEAD_HOOK, events: ['code.succeeded'] },
    });
    const path = `/v1/webhook-endpoints/${created.body.id}`;
    await call('GET', '/v1/webhook-endpoints');
    await call('GET', '/v1/webhook-endpoints/{id}', { url: path });
    await call('PATCH', '/v1/webhook-endpoints/{id}', { url: path, body: { events: null } });
    const test = await call('POST', '/v1/webhook-endpoints/{id}/test', { url: `${path}/test` });
    const delivery = `/v1/webhook-deliveries/${test.body.id}`;
    // The webhooks worker makes its one attempt (refused by the dead port), logged with its error.
    await eventually(
      async () => (await call('GET', '/v1/webhook-deliveries/{id}', { url: delivery })).body.attempt_log.length > 0,
    );
    await call('GET', '/v1/webhook-endpoints/{id}/deliveries', { url: `${path}/deliveries` });
    await call('POST', '/v1/webhook-deliveries/{id}/retry', { url: `${delivery}/retry` });
    await call('DELETE', '/v1/webhook-endpoints/{id}', { url: path });
    await call('POST', '/v1/account/webhook-secret/rotate');
  });

  it('account: the account, keys (create, roll, revoke), usage', async () => {
    await call('GET', '/v1/account');
    const key = await call('POST', '/v1/keys', { body: { name: 'schema check', scope: 'render' } });
    await call('GET', '/v1/keys');
    const rolled = await call('POST', '/v1/keys/{id}/roll', {
      url: `/v1/keys/${key.body.id}/roll`,
      body: { grace_seconds: 60 },
    });
    await call('DELETE', '/v1/keys/{id}', { url: `/v1/keys/${rolled.body.id}` });
    await call('GET', '/v1/usage');
  });

  it('symbologies: the catalog and the payload types', async () => {
    const { body } = await call('GET', '/v1/symbologies');
    expect(body.payload_types.length).toBeGreaterThan(0);
  });

  it('every operation that answers JSON was called and its answer checked', () => {
    const answersJson = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) =>
          Object.entries(op.responses as Record<string, Json>).some(
            ([status, r]) => status.startsWith('2') && r.content?.['application/json'],
          ),
        )
        .map(([method]) => `${method} ${path}`),
    );
    expect(answersJson.length).toBeGreaterThan(30);
    expect(answersJson.filter((op) => !checked.has(op))).toEqual([]);
  });
});

describe('response schemas', () => {
  it('no object schema is bare: each lists its properties, or types what its keys map to', () => {
    const bare: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (typeof node !== 'object' || node === null) return;
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      const s = node as Json;
      const composed = ['properties', 'patternProperties', 'oneOf', 'anyOf', 'allOf', '$ref'].some((k) => k in s);
      // A free-form map is deliberate only when it types its values: additionalProperties: true or {} is not.
      const typedMap =
        typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties as object).length > 0;
      if (s.type === 'object' && !composed && !typedMap) bare.push(at);
      for (const [key, value] of Object.entries(s))
        walk(value, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    };
    walk(doc, '#');
    expect(bare).toEqual([]);
  });
});
