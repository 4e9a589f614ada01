// Response components of webhook endpoints and deliveries: the shapes routes/webhooks.ts writes.
import { EVENT_TYPES } from '../../domain/events.ts';
import { allRequired, dateTime, listOf, nullable, type Json } from './json-schema.ts';

export const WEBHOOK_SCHEMAS: Record<string, Json> = {
  WebhookEndpoint: {
    type: 'object',
    required: ['id', 'object', 'url', 'events', 'status', 'created_at', 'links'],
    properties: {
      id: { type: 'string', pattern: '^whep_' },
      object: { const: 'webhook_endpoint' },
      url: { type: 'string' },
      events: nullable({ type: 'array', items: { enum: [...EVENT_TYPES] }, description: 'null: every event' }),
      status: { enum: ['enabled', 'disabled'] },
      created_at: dateTime,
      disabled_at: nullable(dateTime),
      disabled_reason: nullable({ type: 'string' }),
      failing_since: nullable(dateTime),
      secret: { type: 'string', pattern: '^whsec_', description: 'Shown once, on creation' },
      links: allRequired({ self: { type: 'string' }, deliveries: { type: 'string' } }),
    },
  },
  WebhookEndpointList: listOf('WebhookEndpoint'),
  WebhookEndpointDeleted: allRequired({
    id: { type: 'string', pattern: '^whep_' },
    object: { const: 'webhook_endpoint' },
    deleted: { const: true },
  }),
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'object', 'event_id', 'status', 'attempts', 'attempt_log'],
    properties: {
      id: { type: 'string', pattern: '^msg_', description: 'Also the webhook-id header, the same on every retry' },
      object: { const: 'webhook_delivery' },
      event_id: { type: 'string' },
      endpoint_id: nullable({ type: 'string' }),
      target: {
        enum: ['endpoint', 'code', 'batch'],
        description: "An account endpoint, or a code's or batch's webhook_url",
      },
      url: { type: 'string' },
      status: { enum: ['pending', 'succeeded', 'failed'] },
      attempts: { type: 'integer' },
      next_attempt_at: nullable(dateTime),
      last_status: nullable({ type: 'integer' }),
      last_error: nullable({ type: 'string' }),
      created_at: dateTime,
      completed_at: nullable(dateTime),
      attempt_log: {
        type: 'array',
        items: allRequired({
          attempt: { type: 'integer' },
          status: nullable({ type: 'integer' }),
          duration_ms: nullable({ type: 'integer' }),
          error: nullable({ type: 'string' }),
          at: dateTime,
        }),
      },
    },
  },
  WebhookDeliveryList: listOf('WebhookDelivery'),
  WebhookSecret: allRequired({
    object: { const: 'webhook_secret' },
    webhook_secret: { type: 'string', pattern: '^whsec_' },
    previous_secret_expires_at: dateTime,
  }),
};
