import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { CODE_STATUSES } from '../../domain/code.ts';
import { FORMATS } from '../../domain/formats.ts';
import { SYMBOLOGY_IDS } from '../../domain/symbologies.ts';
import { EVENT_TYPES } from '../../domain/events.ts';

type Json = Record<string, unknown>;

/** A valibot schema as JSON Schema (2020-12, which OpenAPI 3.1 uses); transforms and checks it cannot express are skipped. */
export function jsonSchemaOf(schema: v.GenericSchema): Json {
  const { $schema: _, ...rest } = toJsonSchema(schema, { errorMode: 'ignore', typeMode: 'input' }) as Json;
  return rest;
}

const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const dateTime: Json = { type: 'string', format: 'date-time' };

/** Response components: what the handlers write (checked against examples by ajv in the tests). */
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
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
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
      options: { type: 'object' },
      metadata: { type: 'object', additionalProperties: { type: 'string' } },
      batch_id: nullable({ type: 'string' }),
      created_at: dateTime,
      started_at: nullable(dateTime),
      completed_at: nullable(dateTime),
      result: nullable({
        type: 'object',
        required: ['url', 'content_type', 'bytes', 'width', 'height', 'sha256'],
        properties: {
          url: { type: 'string' },
          content_type: { type: 'string' },
          bytes: { type: 'integer' },
          width: { type: 'integer' },
          height: { type: 'integer' },
          sha256: { type: 'string' },
          print: {},
          renderer_versions: {},
        },
      }),
      verification: {},
      error: nullable({
        type: 'object',
        required: ['code', 'message', 'retryable'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, retryable: { type: 'boolean' } },
      }),
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
  CodeList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/components/schemas/Code' } },
      next_cursor: nullable({ type: 'string' }),
    },
  },
  Batch: {
    type: 'object',
    required: ['id', 'object', 'status', 'counts'],
    properties: {
      id: { type: 'string', pattern: '^batch_' },
      object: { const: 'batch' },
      status: { type: 'string' },
      counts: { type: 'object' },
    },
  },
  BatchList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      data: { type: 'array', items: { $ref: '#/components/schemas/Batch' } },
      next_cursor: nullable({ type: 'string' }),
    },
  },
  Event: {
    type: 'object',
    required: ['id', 'object', 'type', 'timestamp', 'data'],
    properties: {
      id: { type: 'string', pattern: '^evt_' },
      object: { const: 'event' },
      type: { enum: [...EVENT_TYPES] },
      timestamp: dateTime,
      data: { type: 'object', description: 'Ids, status and links; never the image' },
    },
  },
  EventList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/components/schemas/Event' } },
      next_cursor: nullable({ type: 'string' }),
      last_id: nullable({ type: 'string' }),
    },
  },
  WebhookEndpoint: {
    type: 'object',
    required: ['id', 'object', 'url', 'events', 'status', 'created_at'],
    properties: {
      id: { type: 'string', pattern: '^whep_' },
      object: { const: 'webhook_endpoint' },
      url: { type: 'string' },
      events: nullable({ type: 'array', items: { enum: [...EVENT_TYPES] } }),
      status: { enum: ['enabled', 'disabled'] },
      created_at: dateTime,
      disabled_at: nullable(dateTime),
      disabled_reason: nullable({ type: 'string' }),
      failing_since: nullable(dateTime),
      secret: { type: 'string', pattern: '^whsec_', description: 'Shown once, on creation' },
      links: { type: 'object' },
    },
  },
  WebhookEndpointList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/components/schemas/WebhookEndpoint' } },
      next_cursor: nullable({ type: 'string' }),
    },
  },
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'object', 'event_id', 'status', 'attempts', 'attempt_log'],
    properties: {
      id: { type: 'string', pattern: '^msg_', description: 'Also the webhook-id header, the same on every retry' },
      object: { const: 'webhook_delivery' },
      event_id: { type: 'string' },
      endpoint_id: nullable({ type: 'string' }),
      target: { type: 'string' },
      url: { type: 'string' },
      status: { type: 'string' },
      attempts: { type: 'integer' },
      next_attempt_at: nullable(dateTime),
      last_status: nullable({ type: 'integer' }),
      last_error: nullable({ type: 'string' }),
      created_at: dateTime,
      completed_at: nullable(dateTime),
      attempt_log: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            attempt: { type: 'integer' },
            status: nullable({ type: 'integer' }),
            duration_ms: nullable({ type: 'integer' }),
            error: nullable({ type: 'string' }),
            at: dateTime,
          },
        },
      },
    },
  },
  WebhookDeliveryList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/components/schemas/WebhookDelivery' } },
      next_cursor: nullable({ type: 'string' }),
    },
  },
  SymbologyList: {
    type: 'object',
    required: ['data'],
    properties: { data: { type: 'array', items: { type: 'object' } } },
  },
};
