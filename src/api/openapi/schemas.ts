// Response components of codes, batches and events: the shapes the handlers write. Where the server
// keeps the shape as a schema or a list (normalized options, event data, batch counts and defaults),
// the document is converted from it; test/integration/openapi.test.ts checks real answers against all.
import { CODE_STATUSES } from '../../domain/code.ts';
import { EVENT_TYPES } from '../../domain/events.ts';
import { FORMATS } from '../../domain/formats.ts';
import { RENDER_OPTIONS_SCHEMA } from '../../domain/render-spec.ts';
import { batchDefaultsSchema } from '../../domain/requests.ts';
import { SYMBOLOGY_IDS } from '../../domain/symbologies.ts';
import { BATCH_COUNT_NAMES, BATCH_STATUSES } from '../../store/batches.ts';
import { allRequired, dateTime, fieldError, jsonSchemaOf, listOf, nullable, type Json } from './json-schema.ts';

export { jsonSchemaOf } from './json-schema.ts';

const eventTypes = (description: string): Json =>
  nullable({ type: 'array', items: { enum: [...EVENT_TYPES] }, description });

const printInfo: Json = allRequired(
  {
    dpi: { type: 'integer' },
    dots_per_module: { type: 'integer', description: 'Device dots per module (x-dimension) used' },
    x_dim_mm: { type: 'number', description: 'The x-dimension those dots make' },
    requested_x_dim_mm: nullable({ type: 'number', description: 'x_dim_mm as requested, when it was' }),
    width_mm: { type: 'number' },
    height_mm: { type: 'number' },
  },
  { description: 'Size on paper at the dpi used (72 for PDF/EPS); null for a pixel image without a dpi' },
);

const result: Json = allRequired({
  url: { type: 'string' },
  content_type: { type: 'string' },
  bytes: { type: 'integer' },
  width: { type: 'integer' },
  height: { type: 'integer' },
  sha256: { type: 'string' },
  print: nullable(printInfo),
  renderer_versions: nullable({
    type: 'object',
    description: 'Version of each renderer library that drew the image, by package name',
    additionalProperties: { type: 'string' },
  }),
});

const verification: Json = allRequired(
  {
    verified: { type: 'boolean' },
    decoder: { type: 'string' },
    decoded_text: nullable({ type: 'string' }),
    symbology: nullable({ type: 'string' }),
    checked_at: dateTime,
  },
  { description: "The decoder's read-back of the delivered bytes" },
);

const codeError: Json = allRequired({
  code: { type: 'string' },
  message: { type: 'string' },
  retryable: { type: 'boolean' },
});

const BATCH: Json = allRequired({
  id: { type: 'string', pattern: '^batch_' },
  object: { const: 'batch' },
  status: { enum: [...BATCH_STATUSES] },
  counts: allRequired(Object.fromEntries(BATCH_COUNT_NAMES.map((name) => [name, { type: 'integer', minimum: 0 }])), {
    description: 'Rows by state; total is every row of the file',
    additionalProperties: false,
  }),
  invalid_rows: { type: 'integer', description: 'Rows that failed validation at expansion (counted as failed)' },
  defaults: {
    ...jsonSchemaOf(batchDefaultsSchema),
    description: 'The query parameters kept as defaults for every row, and the plan verify default',
    patternProperties: { '^metadata\\.': { type: 'string' } },
  },
  error: nullable(allRequired({ code: { type: 'string' }, message: { type: 'string' } })),
  webhook_url: nullable({ type: 'string' }),
  webhook_events: eventTypes('The events sent to webhook_url (null without one)'),
  created_at: dateTime,
  expanded_at: nullable(dateTime),
  completed_at: nullable(dateTime),
  links: allRequired({ self: { type: 'string' }, results: { type: 'string' }, codes: { type: 'string' } }),
});

/** Response components: what the handlers write. */
export const COMPONENT_SCHEMAS: Record<string, Json> = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: {
        type: 'string',
        format: 'uri',
        description: 'PUBLIC_BASE_URL/problems/{code}: a page about the problem',
      },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string' },
      retryable: { type: 'boolean' },
      request_id: { type: 'string' },
      errors: { type: 'array', items: fieldError },
      code_id: { type: 'string', description: 'render_failed, render_pending: the code recorded for the render' },
      policy: { type: 'string', description: 'rate_limited, quota_exceeded: the limit that refused (a plan name)' },
      resets_at: { ...dateTime, description: 'quota_exceeded: when the monthly quota resets' },
    },
  },
  Code: {
    type: 'object',
    required: [
      'id',
      'object',
      'status',
      'symbology',
      'data',
      'format',
      'options',
      'metadata',
      'batch_id',
      'created_at',
      'started_at',
      'completed_at',
      'result',
      'error',
      'links',
    ],
    properties: {
      id: { type: 'string', pattern: '^code_' },
      object: { const: 'code' },
      status: { enum: [...CODE_STATUSES] },
      symbology: { enum: [...SYMBOLOGY_IDS] },
      data: { type: 'string' },
      format: { enum: [...FORMATS] },
      options: { ...jsonSchemaOf(RENDER_OPTIONS_SCHEMA), description: 'The render options, normalized and defaulted' },
      metadata: {
        type: 'object',
        description: 'The string key/values sent with the code',
        additionalProperties: { type: 'string' },
      },
      batch_id: nullable({ type: 'string' }),
      webhook_url: nullable({ type: 'string' }),
      webhook_events: eventTypes('The events sent to webhook_url (null without one)'),
      created_at: dateTime,
      started_at: nullable(dateTime),
      completed_at: nullable(dateTime),
      result: nullable(result),
      verification: nullable(verification),
      error: nullable(codeError),
      links: {
        type: 'object',
        required: ['self'],
        properties: {
          self: { type: 'string' },
          events: { type: 'string', description: 'SSE URL with a short-lived code-scoped ?token= (for EventSource)' },
        },
      },
    },
  },
  CodeList: listOf('Code'),
  Batch: BATCH,
  BatchRetry: {
    ...BATCH,
    required: [...(BATCH.required as string[]), 'retried'],
    properties: {
      ...(BATCH.properties as Record<string, Json>),
      retried: { type: 'integer', description: 'Failed rows queued again' },
    },
  },
  BatchList: listOf('Batch'),
  BatchValidation: allRequired({
    object: { const: 'batch_validation' },
    valid: { type: 'boolean', description: 'Every row is valid and there is at least one' },
    counts: allRequired({ total: { type: 'integer' }, valid: { type: 'integer' }, invalid: { type: 'integer' } }),
    errors: {
      type: 'array',
      items: fieldError,
      description: 'Row errors (rows.<n>.<field>), the first BATCH_VALIDATE_MAX_ERRORS',
    },
  }),
  Event: allRequired({
    id: { type: 'string', pattern: '^evt_' },
    object: { const: 'event' },
    type: { enum: [...EVENT_TYPES] },
    timestamp: dateTime,
    data: { $ref: '#/components/schemas/EventData' },
  }),
  EventList: listOf('Event', { last_id: nullable({ type: 'string' }) }),
  RenderUrl: allRequired({
    object: { const: 'render_url' },
    url: { type: 'string', description: '/v1/render/{token}: put it in <img src>' },
    expires_at: dateTime,
  }),
};
