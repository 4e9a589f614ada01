import * as v from 'valibot';
import type { Config } from '../../config.ts';
import { PROBLEMS, type ProblemCode } from '../../domain/problems.ts';
import { anonymousMayCall } from '../middleware/anonymous-scope.ts';
import { ListQuery as batchListQuery } from '../routes/batches.ts';
import { listQuerySchema } from '../routes/codes.ts';
import { deliveriesQuerySchema, eventsQuerySchema } from '../routes/webhooks.ts';
import { EVENT_DATA_SCHEMA, EVENT_TYPES } from '../../domain/events.ts';
import { COMPONENT_SCHEMAS, jsonSchemaOf } from './schemas.ts';
import {
  RENDER_SCHEMAS,
  batchQuerySchema,
  batchRowSchema,
  codeRequestSchema,
  renderUrlRequestSchema,
} from '../../domain/requests.ts';
import { EndpointCreateSchema, EndpointPatchSchema } from '../webhook-target.ts';
import { CreateKeySchema, rollKeySchema, usageQuerySchema } from '../routes/account.ts';
import { ACCOUNT_SCHEMAS } from './account-schemas.ts';
import { CATALOG_SCHEMAS } from './catalog-schemas.ts';
import { OPERATOR_SCHEMAS } from './operator-schemas.ts';
import { WEBHOOK_SCHEMAS } from './webhook-schemas.ts';

type Json = Record<string, unknown>;
type HeaderName = keyof typeof HEADERS;

/** One documented route. Adding a route to the API is adding one entry to RESOURCES. */
export type Operation = {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path (`{id}`), as the app serves it. */
  path: string;
  summary: string;
  tag: string;
  /** Public routes (health, docs) carry no key and no rate limit. @defaultValue true */
  auth?: boolean;
  query?: Json;
  headers?: HeaderName[];
  body?: {
    contentType: string;
    schema: Json;
    /** The route also takes a request without a body. @defaultValue false */
    optional?: boolean;
    examples?: Record<string, unknown>;
    /** Other media types the body may be sent as, as OpenAPI media type objects. */
    more?: Record<string, Json>;
  };
  /** Success responses; the problem responses each route can answer are added from `problems`. */
  responses: Record<string, { description: string; type?: string; schema?: string | Json; headers?: HeaderName[] }>;
  problems?: ProblemCode[];
};

/** Every header the contract names, defined once and referenced by name: request headers (`in`) are
 * components.parameters, response headers components.headers. */
const HEADERS = {
  'Idempotency-Key': {
    in: 'header',
    description: 'Replays the first answer for 24 h when the same key and body are sent again',
    schema: { type: 'string', maxLength: 255 },
  },
  Prefer: {
    in: 'header',
    description:
      '`wait=N` (N ≤ PREFER_WAIT_MAX_SECONDS, 30): answer 200 with the finished code if it finishes within N seconds, else the usual 202',
    schema: { type: 'string', examples: ['wait=5'] },
  },
  'Last-Event-ID': {
    in: 'header',
    description: 'Resume an event stream after this event id',
    schema: { type: 'string' },
  },
  'Preference-Applied': { description: 'The wait actually applied, e.g. `wait=5`', schema: { type: 'string' } },
  Location: { description: 'The new resource', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } },
  RateLimit: { description: 'IETF httpapi rate-limit: remaining tokens and reset', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'IETF httpapi rate-limit policy: burst and window', schema: { type: 'string' } },
  ETag: { description: 'The content hash', schema: { type: 'string' } },
  'webhook-id': {
    in: 'header',
    required: true,
    description: 'Standard Webhooks message id (`msg_…`), the same on every retry of one delivery: dedupe by it',
    schema: { type: 'string' },
  },
  'webhook-timestamp': {
    in: 'header',
    required: true,
    description: 'Unix seconds of this attempt; refuse stale ones (Standard Webhooks libraries allow 5 min)',
    schema: { type: 'string' },
  },
  'webhook-signature': {
    in: 'header',
    required: true,
    description:
      'Space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per live secret (two for 24 h after a rotation)',
    schema: { type: 'string' },
  },
} as const satisfies Record<string, Json>;

const json = 'application/json';
// The id prefix a path's {id} takes, from the resource it names.
const ID_PREFIXES: [string, string][] = [
  ['/v1/batches', 'batch'],
  ['/v1/webhook-endpoints', 'whep'],
  ['/v1/webhook-deliveries', 'msg'],
  ['/v1/events', 'evt'],
  ['/v1/codes', 'code'],
  ['/v1/keys', 'key'],
];
const idPrefixOf = (path: string) => ID_PREFIXES.find(([base]) => path.startsWith(base))?.[1] ?? 'code';
const idParam = (prefix: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: `^${prefix}_` },
});

/** The API's routes. */
export function resources(config: Config): Operation[] {
  const limits = { maxKeys: config.metadataMaxKeys, maxValueLength: config.metadataMaxValueLength };
  const { payload: _payload, ...renderQuery } = RENDER_SCHEMAS;
  return [
    {
      method: 'get',
      path: '/healthz',
      tag: 'operators',
      auth: false,
      summary: 'The process is alive',
      responses: { 200: { description: 'Alive', schema: 'Health' } },
    },
    {
      method: 'get',
      path: '/readyz',
      tag: 'operators',
      auth: false,
      summary: 'Redis and PostgreSQL answer and migrations are applied',
      responses: {
        200: { description: 'Ready', schema: 'Readiness' },
        503: { description: 'Not ready', schema: 'Readiness' },
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'operators',
      auth: false,
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1', schema: 'OpenApiDocument' } },
    },
    {
      method: 'get',
      path: '/docs',
      tag: 'operators',
      auth: false,
      summary: 'A reference page for this document',
      responses: { 200: { description: 'HTML', type: 'text/html' } },
    },
    {
      method: 'get',
      path: '/problems',
      tag: 'operators',
      auth: false,
      summary: 'Every problem type, with a link to its page',
      responses: { 200: { description: 'HTML', type: 'text/html' } },
    },
    {
      method: 'get',
      path: '/problems/{code}',
      tag: 'operators',
      auth: false,
      summary: "The page a problem's `type` URI names: its status, title and whether to retry",
      responses: { 200: { description: 'HTML', type: 'text/html' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/codes',
      tag: 'codes',
      summary: 'Submit one code for rendering',
      headers: ['Idempotency-Key', 'Prefer'],
      body: {
        contentType: json,
        schema: jsonSchemaOf(codeRequestSchema(limits)),
        examples: {
          url: { data: 'https://example.com/products/12345' },
          wifi: { payload: { type: 'wifi', ssid: 'Guest', password: 'correct horse', security: 'WPA' } },
          version_mask: { data: 'HELLO', version: 5, mask: 3, ecc: 'Q', foreground: '#123' },
          ean13: { symbology: 'ean13', data: '5901234123457', format: 'svg', include_text: true },
          styled: {
            data: 'hello',
            format: 'png',
            size: 512,
            ecc: 'H',
            foreground: '#1a237e',
            background: '#ffffff',
            module_style: 'rounded',
            metadata: { sku: 'A-1' },
          },
        },
      },
      responses: {
        200: {
          description: 'Finished within `Prefer: wait=N`',
          schema: 'Code',
          headers: ['Preference-Applied', 'Location'],
        },
        202: {
          description: 'Accepted; poll, stream events, or wait on a webhook',
          schema: 'Code',
          headers: ['Location', 'Retry-After', 'Preference-Applied'],
        },
      },
      problems: [
        'invalid_json',
        'request_timeout',
        'payload_too_large',
        'unsupported_media_type',
        'validation_failed',
        'idempotency_in_flight',
        'idempotency_key_reused',
        'quota_exceeded',
      ],
    },
    {
      method: 'get',
      path: '/v1/codes',
      tag: 'codes',
      summary: 'List codes, newest first',
      query: jsonSchemaOf(listQuerySchema(config.listDefaultLimit, config.listMaxLimit)),
      responses: { 200: { description: 'A page', schema: 'CodeList' } },
      problems: ['validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/codes/{id}',
      tag: 'codes',
      summary: 'Read a code',
      responses: { 200: { description: 'The code', schema: 'Code', headers: ['Retry-After'] } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/v1/codes/{id}/content',
      tag: 'codes',
      summary: 'The rendered image bytes',
      responses: {
        200: { description: 'Image', type: 'image/*', headers: ['ETag'] },
        304: { description: 'Not modified' },
      },
      problems: ['not_found', 'code_not_ready', 'code_not_succeeded'],
    },
    {
      method: 'get',
      path: '/v1/codes/{id}/events',
      tag: 'codes',
      headers: ['Last-Event-ID'],
      summary:
        'Server-Sent Events of status changes (ids 1 queued, 2 processing, 3 terminal); closes at the terminal state. Authenticate with the key or with `?token=` from links.events',
      query: {
        type: 'object',
        properties: {
          token: { type: 'string', description: 'links.events token, for a caller without a key (EventSource)' },
          last_event_id: { type: 'string', description: 'As the Last-Event-ID header, for clients that cannot set it' },
        },
      },
      responses: {
        200: {
          description: 'text/event-stream; `: keep-alive` comments every SSE_KEEP_ALIVE_MS',
          type: 'text/event-stream',
        },
      },
      problems: ['not_found', 'too_many_streams'],
    },
    {
      method: 'post',
      path: '/v1/codes/{id}/cancel',
      tag: 'codes',
      summary: 'Cancel a code that has not finished',
      responses: { 200: { description: 'The code', schema: 'Code' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/batches',
      tag: 'batches',
      summary:
        'Upload a CSV (header row) or JSON Lines file, one code per row; defaults for every row as query parameters (metadata as metadata.<key>), checked together before the rows',
      headers: ['Idempotency-Key'],
      query: jsonSchemaOf(batchQuerySchema),
      body: {
        contentType: 'text/csv',
        schema: {
          type: 'string',
          description:
            'RFC 4180 CSV: a header row naming BatchRow fields, then one code per row. A data column is required; payload is JSON Lines only; metadata is metadata.<key> columns (a key without dots or whitespace). Cells are typed like query parameters: a number or true/false becomes a number or boolean except in data, filename, custom_id and metadata.<key>; an empty cell is an absent field. Quote a cell with " to hold commas, quotes or line breaks.',
        },
        examples: { two_rows: 'data,filename\nhttps://example.com/a,a\nhttps://example.com/b,b\n' },
        more: {
          'application/x-ndjson': {
            schema: { $ref: '#/components/schemas/BatchRow' },
            // The schema is one line's: each line of the file is one BatchRow object.
            examples: {
              data_row: { value: { data: 'https://example.com/a', filename: 'a' } },
              payload_row: { value: { payload: { type: 'url', url: 'https://example.com/b' } } },
            },
          },
        },
      },
      responses: {
        202: { description: 'The batch', schema: 'Batch', headers: ['Location'] },
        200: { description: 'validate_only: counts and row errors', schema: 'BatchValidation' },
      },
      problems: [
        'unsupported_media_type',
        'request_timeout',
        'batch_too_large',
        'invalid_batch_file',
        'validation_failed',
        'too_many_batches',
        'quota_exceeded',
      ],
    },
    {
      method: 'get',
      path: '/v1/batches',
      tag: 'batches',
      summary: 'List batches',
      query: jsonSchemaOf(batchListQuery),
      responses: { 200: { description: 'A page', schema: 'BatchList' } },
      problems: ['validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/batches/{id}',
      tag: 'batches',
      summary: 'Read a batch and its counts',
      responses: { 200: { description: 'The batch', schema: 'Batch' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/batches/{id}/cancel',
      tag: 'batches',
      summary: 'Cancel the rows not yet finished',
      responses: { 200: { description: 'The batch', schema: 'Batch' } },
      problems: ['not_found', 'batch_finished'],
    },
    {
      method: 'post',
      path: '/v1/batches/{id}/retry',
      tag: 'batches',
      summary: 'Retry the failed rows',
      responses: { 200: { description: 'The batch and how many rows were retried', schema: 'BatchRetry' } },
      problems: ['not_found', 'batch_finished'],
    },
    {
      method: 'get',
      path: '/v1/batches/{id}/results.zip',
      tag: 'batches',
      summary: 'Streamed ZIP: one file per succeeded row plus manifest.csv (partial while running)',
      responses: { 200: { description: 'ZIP', type: 'application/zip' } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/v1/render',
      tag: 'render',
      summary:
        'The image itself for <img src>: the POST /v1/codes fields as query parameters; from the content cache, else rendered ahead of batch rows and awaited for RENDER_WAIT_SECONDS',
      query: jsonSchemaOf(v.object(renderQuery)),
      responses: {
        200: { description: 'Image', type: 'image/*', headers: ['ETag'] },
        304: { description: 'Not modified' },
      },
      problems: ['validation_failed', 'render_failed', 'render_pending', 'quota_exceeded'],
    },
    {
      method: 'post',
      path: '/v1/render-urls',
      tag: 'render',
      summary: 'Sign a render URL (no key in the page) valid for ttl_seconds (≤ RENDER_URL_MAX_TTL_SECONDS)',
      body: {
        contentType: json,
        schema: jsonSchemaOf(renderUrlRequestSchema(config.renderUrlMaxTtlSeconds)),
        examples: { label: { data: 'https://example.com/p/1', format: 'svg', ttl_seconds: 86400 } },
      },
      responses: {
        201: { description: 'The signed URL', schema: 'RenderUrl' },
      },
      problems: ['invalid_json', 'validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/render/{token}',
      tag: 'render',
      summary: 'The image for a signed render URL (authenticated by the token; limited by address)',
      responses: { 200: { description: 'Image', type: 'image/*', headers: ['ETag'] } },
      problems: ['not_found', 'render_failed', 'render_pending'],
    },
    {
      method: 'get',
      path: '/v1/events',
      tag: 'webhooks',
      summary: 'The event log as a pull feed, oldest first after `after`: every event exactly once, in order',
      query: jsonSchemaOf(eventsQuerySchema(config)),
      responses: { 200: { description: 'A page; continue with after=next_cursor', schema: 'EventList' } },
      problems: ['validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/events/{id}/deliveries',
      tag: 'webhooks',
      summary: 'Deliveries of one event (per-request webhook_url and endpoints)',
      responses: { 200: { description: 'Deliveries', schema: 'WebhookDeliveryList' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/webhook-endpoints',
      tag: 'webhooks',
      summary: "Register an endpoint for the account's events; its signing secret is shown once",
      body: {
        contentType: json,
        schema: jsonSchemaOf(EndpointCreateSchema),
        examples: { all: { url: 'https://hooks.example.com/codes', events: ['code.succeeded', 'batch.completed'] } },
      },
      responses: {
        201: { description: 'The endpoint with its secret', schema: 'WebhookEndpoint', headers: ['Location'] },
      },
      problems: ['invalid_json', 'validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/webhook-endpoints',
      tag: 'webhooks',
      summary: 'List endpoints',
      responses: { 200: { description: 'Endpoints', schema: 'WebhookEndpointList' } },
    },
    {
      method: 'get',
      path: '/v1/webhook-endpoints/{id}',
      tag: 'webhooks',
      summary: 'Read an endpoint',
      responses: { 200: { description: 'The endpoint', schema: 'WebhookEndpoint' } },
      problems: ['not_found'],
    },
    {
      method: 'patch',
      path: '/v1/webhook-endpoints/{id}',
      tag: 'webhooks',
      summary:
        "Change an endpoint's url or events, or switch it back on after it was disabled (410, failing for days) or off",
      body: {
        contentType: json,
        schema: jsonSchemaOf(EndpointPatchSchema),
        examples: {
          enable: { enabled: true },
          move: { url: 'https://hooks.example.com/v2/codes', events: ['code.succeeded'] },
        },
      },
      responses: { 200: { description: 'The endpoint', schema: 'WebhookEndpoint' } },
      problems: ['not_found', 'invalid_json', 'validation_failed'],
    },
    {
      method: 'delete',
      path: '/v1/webhook-endpoints/{id}',
      tag: 'webhooks',
      summary: 'Delete an endpoint',
      responses: { 200: { description: 'Deleted', schema: 'WebhookEndpointDeleted' } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/v1/webhook-endpoints/{id}/deliveries',
      tag: 'webhooks',
      summary: 'Deliveries to an endpoint, newest first, with every attempt',
      query: jsonSchemaOf(deliveriesQuerySchema(config)),
      responses: { 200: { description: 'A page', schema: 'WebhookDeliveryList' } },
      problems: ['not_found', 'validation_failed'],
    },
    {
      method: 'get',
      path: '/v1/webhook-deliveries/{id}',
      tag: 'webhooks',
      summary: 'Read a delivery and its attempt log',
      responses: { 200: { description: 'The delivery', schema: 'WebhookDelivery' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/webhook-deliveries/{id}/retry',
      tag: 'webhooks',
      summary: 'Deliver again now (same webhook-id)',
      responses: { 202: { description: 'The delivery', schema: 'WebhookDelivery' } },
      problems: ['not_found'],
    },
    {
      method: 'post',
      path: '/v1/account/webhook-secret/rotate',
      tag: 'webhooks',
      summary:
        'New account signing secret (shown once); the old one keeps signing alongside for WEBHOOK_PREVIOUS_SECRET_HOURS (24)',
      responses: {
        200: { description: 'The new secret', schema: 'WebhookSecret' },
      },
    },
    {
      method: 'post',
      path: '/v1/webhook-endpoints/{id}/test',
      tag: 'webhooks',
      summary: 'Send one webhook.test event to this endpoint only (one attempt; not in the event log)',
      responses: { 202: { description: 'The delivery', schema: 'WebhookDelivery', headers: ['Location'] } },
      problems: ['not_found'],
    },
    {
      method: 'get',
      path: '/v1/event-types',
      tag: 'webhooks',
      summary: 'The event catalogue: every event type, what it means and an example payload',
      responses: { 200: { description: 'Event types', schema: 'EventTypeList' } },
    },
    {
      method: 'get',
      path: '/v1/account',
      tag: 'account',
      summary: 'The plan, its limits, the monthly quota, usage this period and when it resets',
      responses: { 200: { description: 'The account', schema: 'Account' } },
      problems: ['insufficient_scope'],
    },
    {
      method: 'get',
      path: '/v1/keys',
      tag: 'account',
      summary: "The account's keys (never their secrets), newest first",
      responses: { 200: { description: 'Keys', schema: 'KeyList' } },
      problems: ['insufficient_scope'],
    },
    {
      method: 'post',
      path: '/v1/keys',
      tag: 'account',
      summary: 'Create a key; its secret is shown once',
      body: {
        contentType: json,
        schema: jsonSchemaOf(CreateKeySchema),
        examples: {
          page: { name: 'storefront', scope: 'render' },
          ci: { name: 'ci', expires_at: '2027-06-30T00:00:00Z' },
        },
      },
      responses: { 201: { description: 'The key with its secret', schema: 'KeyWithSecret', headers: ['Location'] } },
      problems: ['invalid_json', 'validation_failed', 'too_many_keys', 'insufficient_scope'],
    },
    {
      method: 'post',
      path: '/v1/keys/{id}/roll',
      tag: 'account',
      summary: 'A successor with a new secret; the old key keeps working for grace_seconds, then is 401',
      body: {
        contentType: json,
        schema: jsonSchemaOf(rollKeySchema(config.keyRollGraceSeconds, config.keyRollMaxGraceSeconds)),
        optional: true,
        examples: { hour: { grace_seconds: 3600 } },
      },
      responses: {
        201: {
          description: 'The successor with its secret, and the old key as `previous`',
          schema: 'RolledKey',
          headers: ['Location'],
        },
      },
      problems: ['not_found', 'validation_failed', 'insufficient_scope'],
    },
    {
      method: 'delete',
      path: '/v1/keys/{id}',
      tag: 'account',
      summary: 'Revoke a key at once',
      responses: { 200: { description: 'The revoked key', schema: 'Key' } },
      problems: ['not_found', 'insufficient_scope'],
    },
    {
      method: 'get',
      path: '/v1/usage',
      tag: 'account',
      summary: 'Codes per UTC day by symbology and format, bytes stored, webhook deliveries',
      query: jsonSchemaOf(usageQuerySchema(config.usageMaxDays)),
      responses: { 200: { description: 'Usage', schema: 'Usage' } },
      problems: ['validation_failed', 'insufficient_scope'],
    },
    {
      method: 'get',
      path: '/v1/symbologies',
      tag: 'symbologies',
      summary: 'The catalog: every symbology, its data rules and options',
      responses: { 200: { description: 'The catalog', schema: 'SymbologyList' } },
    },
  ];
}

type RequestHeaderName = { [K in HeaderName]: (typeof HEADERS)[K] extends { in: 'header' } ? K : never }[HeaderName];
const isRequestHeader = (name: HeaderName): name is RequestHeaderName => 'in' in HEADERS[name];
const parameterRef = (name: HeaderName) => ({ $ref: `#/components/parameters/${name}` });

const headerRefs = (names: HeaderName[] = []) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/** `/v1/codes/ById` → `V1CodesById`, `code.succeeded` → `codeSucceeded`. */
const camelCase = (text: string) =>
  text.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase());

function operationObject(op: Operation): Json {
  const authed = op.auth !== false;
  const parameters: Json[] = [];
  if (op.path.includes('{id}')) parameters.push(idParam(idPrefixOf(op.path)));
  if (op.path.includes('{code}'))
    parameters.push({ name: 'code', in: 'path', required: true, schema: { enum: Object.keys(PROBLEMS) } });
  if (op.path.includes('{token}'))
    parameters.push({ name: 'token', in: 'path', required: true, schema: { type: 'string' } });
  for (const [name, schema] of Object.entries((op.query?.properties ?? {}) as Record<string, Json>))
    parameters.push({ name, in: 'query', required: false, schema });
  for (const name of op.headers ?? []) parameters.push(parameterRef(name));
  const responses: Record<string, Json> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const schema = typeof r.schema === 'string' ? { $ref: `#/components/schemas/${r.schema}` } : r.schema;
    const type = r.type ?? (schema ? json : undefined);
    responses[status] = {
      description: r.description,
      headers: headerRefs([...(r.headers ?? []), ...(authed ? (['RateLimit', 'RateLimit-Policy'] as const) : [])]),
      ...(type
        ? {
            content: {
              [type]: { schema: schema ?? { type: 'string', format: 'binary' } },
            },
          }
        : {}),
    };
  }
  const problems = new Set<ProblemCode>([
    ...(op.problems ?? []),
    ...(authed ? (['unauthorized', 'account_suspended', 'rate_limited', 'service_unavailable'] as const) : []),
    // Routes outside the anonymous allowlist: a caller without a key is refused.
    ...(authed && op.path.startsWith('/v1/') && !anonymousMayCall(op.method.toUpperCase(), op.path)
      ? (['api_key_required'] as const)
      : []),
  ]);
  for (const code of problems) {
    const status = String(PROBLEMS[code].status);
    const existing = responses[status] as { description: string } | undefined;
    responses[status] = {
      description:
        existing && 'content' in existing
          ? `${existing.description}; ${code}`
          : `${PROBLEMS[code].title} (\`${code}\`)${existing ? `; ${existing.description}` : ''}`,
      headers: headerRefs(code === 'rate_limited' || PROBLEMS[code].status === 503 ? ['Retry-After'] : []),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  // Requests the HTTP server itself refuses before any route (a malformed request line or headers, or
  // headers over its size limit) are the 4xx every operation may get, problem routes or not.
  if (!Object.keys(responses).some((status) => status.startsWith('4')))
    responses['4XX'] = {
      description:
        'Refused by the HTTP server before the route: a malformed request (400) or headers too large (431); no body',
    };
  return {
    operationId: `${op.method}${camelCase(op.path.replace(/\{id\}/g, 'ById').replace(/\{token\}/g, 'ByToken'))}`,
    summary: op.summary,
    description: [
      `${op.summary}.`,
      authed
        ? 'Authenticate with a bearer API key; every answer carries RateLimit and RateLimit-Policy.'
        : 'Public: no API key and no rate limit.',
      problems.size ? `Problems it may answer: ${[...problems].map((code) => `\`${code}\``).join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join(' '),
    tags: [op.tag],
    ...(authed ? {} : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: !op.body.optional,
            content: {
              [op.body.contentType]: {
                schema: op.body.schema,
                examples: Object.fromEntries(
                  Object.entries(op.body.examples ?? {}).map(([k, value]) => [k, { value }]),
                ),
              },
              ...op.body.more,
            },
          },
        }
      : {}),
    responses,
  };
}

// What our servers POST to a webhook_url or endpoint: the Event envelope, Standard Webhooks signed.
function webhookObject(type: string): Json {
  return {
    post: {
      operationId: `${camelCase(type)}Webhook`,
      description: `What our servers POST to your webhook_url or endpoint when a \`${type}\` event happens: the Event envelope as JSON, with the Standard Webhooks headers. Verify webhook-signature over "webhook-id.webhook-timestamp.body" with your signing secret and dedupe by webhook-id.`,
      summary: `${type}, signed per Standard Webhooks; answer 2xx within WEBHOOK_TIMEOUT_MS (10 s). 410 disables the endpoint; 429/503 Retry-After is honoured`,
      security: [],
      parameters: (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const).map(parameterRef),
      requestBody: { required: true, content: { [json]: { schema: { $ref: '#/components/schemas/Event' } } } },
      responses: { 200: { description: 'Received (any 2xx)' } },
    },
  };
}

/** The OpenAPI 3.1 document for `config` (limits shown are this deployment's). */
export function buildOpenApiDocument(config: Config): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of resources(config)) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'codes: QR code and barcode generation',
      version: '1.0.0',
      description: 'Errors are RFC 9457 problem+json. Every /v1 response carries RateLimit and RateLimit-Policy.',
      contact: { name: 'The operators of this deployment', url: new URL('/docs', config.publicBaseUrl).href },
      license: { name: 'Proprietary', url: new URL('/docs', config.publicBaseUrl).href },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'codes', description: 'Submit one QR code or barcode, read it, stream its status, fetch its image' },
      {
        name: 'batches',
        description: 'A CSV or JSON Lines file of codes rendered as one batch, with a ZIP of results',
      },
      { name: 'symbologies', description: 'The symbologies served, their data rules and options' },
      { name: 'render', description: 'Images by URL for `<img src>`: keyed, or signed render URLs without a key' },
      { name: 'webhooks', description: 'Webhook endpoints, their deliveries, the event log and the event catalogue' },
      { name: 'account', description: "The account's plan, quota, usage and API keys" },
      { name: 'operators', description: 'Health, readiness, this document, its reference page and the problem pages' },
    ],
    paths,
    webhooks: Object.fromEntries(EVENT_TYPES.map((type) => [type, webhookObject(type)])),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `npm run cli -- keys create`' },
      },
      parameters: Object.fromEntries(
        (Object.keys(HEADERS) as HeaderName[])
          .filter(isRequestHeader)
          .map((name) => [name, { name, ...HEADERS[name] }]),
      ),
      headers: Object.fromEntries(
        (Object.keys(HEADERS) as HeaderName[])
          .filter((name) => !isRequestHeader(name))
          .map((name) => [name, { schema: HEADERS[name].schema, description: HEADERS[name].description }]),
      ),
      schemas: {
        ...COMPONENT_SCHEMAS,
        EventData: jsonSchemaOf(EVENT_DATA_SCHEMA),
        ...WEBHOOK_SCHEMAS,
        ...ACCOUNT_SCHEMAS,
        ...CATALOG_SCHEMAS,
        ...OPERATOR_SCHEMAS,
        BatchRow: jsonSchemaOf(
          batchRowSchema({ maxKeys: config.metadataMaxKeys, maxValueLength: config.metadataMaxValueLength }),
        ),
      },
    },
  };
}
