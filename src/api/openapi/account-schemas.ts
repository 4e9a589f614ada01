// Response shapes of the self-service routes (/v1/account, /v1/keys, /v1/usage, /v1/event-types).
type Json = Record<string, unknown>;

const timestamp = { type: 'string', format: 'date-time' };
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' };
const counts = { type: 'object', additionalProperties: { type: 'integer' } };

const key: Json = {
  type: 'object',
  required: ['id', 'object', 'name', 'prefix', 'scope', 'status', 'created_at', 'last_used_at', 'expires_at'],
  properties: {
    id: { type: 'string', pattern: '^key_' },
    object: { const: 'key' },
    name: { type: ['string', 'null'] },
    prefix: { type: 'string', description: 'The first characters of the secret, to tell keys apart' },
    scope: { enum: ['full', 'render'], description: '`render`: may only render and read codes (a publishable key)' },
    status: { enum: ['active', 'expired', 'revoked'] },
    created_at: timestamp,
    last_used_at: { ...nullableTimestamp, description: 'To within KEY_LAST_USED_INTERVAL_MS' },
    expires_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
  },
};

export const ACCOUNT_SCHEMAS: Record<string, Json> = {
  Key: key,
  KeyWithSecret: {
    allOf: [
      key,
      {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', description: 'Shown here once: only its hash is stored' } },
      },
    ],
  },
  RolledKey: {
    allOf: [
      key,
      {
        type: 'object',
        required: ['secret', 'previous'],
        properties: {
          secret: { type: 'string', description: 'Shown here once: only its hash is stored' },
          previous: { ...key, description: 'The rolled key: it keeps working until grace_seconds have passed' },
        },
      },
    ],
  },
  KeyList: {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: { object: { const: 'list' }, data: { type: 'array', items: key }, next_cursor: { type: 'null' } },
  },
  Account: {
    type: 'object',
    required: ['id', 'object', 'plan', 'limits', 'quota'],
    properties: {
      id: { type: 'string' },
      object: { const: 'account' },
      name: { type: 'string' },
      plan: { type: 'string' },
      created_at: timestamp,
      limits: {
        type: 'object',
        properties: {
          rate: { type: 'number' },
          burst: { type: 'integer' },
          max_batch_rows: { type: 'integer' },
          max_concurrent_batches: { type: 'integer' },
        },
      },
      quota: {
        type: 'object',
        required: ['monthly', 'used', 'remaining', 'period_start', 'resets_at'],
        properties: {
          monthly: { type: ['integer', 'null'], description: 'Code units per UTC month; null: unlimited' },
          used: { type: 'integer' },
          remaining: { type: ['integer', 'null'] },
          costs: { type: 'object', additionalProperties: { type: 'integer' } },
          period_start: timestamp,
          resets_at: timestamp,
        },
      },
    },
  },
  Usage: {
    type: 'object',
    required: ['object', 'from', 'to', 'granularity', 'totals', 'data'],
    properties: {
      object: { const: 'usage' },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
      granularity: { const: 'day' },
      totals: counts,
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['date', 'codes', 'by_symbology', 'by_format', 'webhook_deliveries', 'bytes_stored'],
          properties: {
            date: { type: 'string', format: 'date' },
            codes: { type: 'integer' },
            by_symbology: counts,
            by_format: counts,
            webhook_deliveries: { type: 'integer' },
            bytes_stored: { type: 'integer' },
          },
        },
      },
      next_cursor: { type: 'null' },
    },
  },
  EventTypeList: {
    type: 'object',
    required: ['data'],
    properties: {
      object: { const: 'list' },
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'description', 'example'],
          properties: {
            object: { const: 'event_type' },
            type: { type: 'string' },
            description: { type: 'string' },
            example: { $ref: '#/components/schemas/EventData' },
          },
        },
      },
      next_cursor: { type: 'null' },
    },
  },
};
