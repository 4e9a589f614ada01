import * as v from 'valibot';

/** The events of the log (GET /v1/events) and of webhooks. */
export const EVENT_TYPES = ['code.succeeded', 'code.failed', 'code.canceled', 'batch.completed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a code's own webhook_url receives when webhook_events is not given: every code event. */
export const CODE_WEBHOOK_DEFAULT_EVENTS: readonly EventType[] = ['code.succeeded', 'code.failed', 'code.canceled'];
/** What a batch's own webhook_url receives when webhook_events is not given (store/events.ts dispatches the same). */
export const BATCH_WEBHOOK_DEFAULT_EVENTS: readonly EventType[] = ['batch.completed'];

/** The event an endpoint's "send test event" delivers; never in the event log, never subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

const id = (prefix: string) => v.pipe(v.string(), v.regex(new RegExp(`^${prefix}_`)));
const path = (description: string) => v.pipe(v.string(), v.description(description));

/** `data` of a code.* event: what the codes_event trigger (migrations/0007_webhooks.ts) writes. */
export const CODE_EVENT_DATA_SCHEMA = v.strictObject({
  id: id('code'),
  object: v.literal('code'),
  status: v.picklist(['succeeded', 'failed', 'canceled']),
  batch_id: v.nullable(id('batch')),
  error: v.nullable(v.strictObject({ code: v.string(), message: v.string(), retryable: v.boolean() })),
  links: v.strictObject({
    self: path('The code'),
    content: v.nullable(path('The image, when the code succeeded')),
  }),
});
/** `data` of a batch.completed event: what the batches_event trigger writes. */
export const BATCH_EVENT_DATA_SCHEMA = v.strictObject({
  id: id('batch'),
  object: v.literal('batch'),
  status: v.literal('completed'),
  links: v.strictObject({ self: path('The batch'), results: path('The results ZIP') }),
});
/** `data` of the webhook.test event POST /v1/webhook-endpoints/{id}/test sends. */
export const TEST_EVENT_DATA_SCHEMA = v.strictObject({
  object: v.literal('webhook_test'),
  endpoint_id: id('whep'),
  message: v.string(),
});
/** An event's `data`, by the event's kind: thin objects with ids, status and links, never the image. */
export const EVENT_DATA_SCHEMA = v.pipe(
  v.union([CODE_EVENT_DATA_SCHEMA, BATCH_EVENT_DATA_SCHEMA, TEST_EVENT_DATA_SCHEMA]),
  v.description('Ids, status and links; never the image'),
);
type EventData = v.InferOutput<typeof EVENT_DATA_SCHEMA>;

/** Every event type with what it means and an example of the envelope's `data` (GET /v1/event-types). */
export const EVENT_CATALOG: readonly {
  type: EventType | typeof TEST_EVENT_TYPE;
  description: string;
  example: EventData;
}[] = [
  {
    type: 'code.succeeded',
    description: 'A code finished rendering; its content is ready at links.content.',
    example: {
      id: 'code_01jdz6x4v8k3m2n5p7q9r0s1t2',
      object: 'code',
      status: 'succeeded',
      batch_id: null,
      error: null,
      links: {
        self: '/v1/codes/code_01jdz6x4v8k3m2n5p7q9r0s1t2',
        content: '/v1/codes/code_01jdz6x4v8k3m2n5p7q9r0s1t2/content',
      },
    },
  },
  {
    type: 'code.failed',
    description: 'A code could not be rendered (or its render did not decode back); error says why.',
    example: {
      id: 'code_01jdz6x4v8k3m2n5p7q9r0s1t3',
      object: 'code',
      status: 'failed',
      batch_id: null,
      error: { code: 'render_failed', message: 'data does not fit the symbology', retryable: false },
      links: { self: '/v1/codes/code_01jdz6x4v8k3m2n5p7q9r0s1t3', content: null },
    },
  },
  {
    type: 'code.canceled',
    description: 'A code was canceled before it finished (POST /v1/codes/{id}/cancel or its batch was canceled).',
    example: {
      id: 'code_01jdz6x4v8k3m2n5p7q9r0s1t4',
      object: 'code',
      status: 'canceled',
      batch_id: 'batch_01jdz6x4v8k3m2n5p7q9r0s1t5',
      error: null,
      links: { self: '/v1/codes/code_01jdz6x4v8k3m2n5p7q9r0s1t4', content: null },
    },
  },
  {
    type: 'batch.completed',
    description: 'Every row of a batch reached a terminal state (not necessarily success); the ZIP is complete.',
    example: {
      id: 'batch_01jdz6x4v8k3m2n5p7q9r0s1t5',
      object: 'batch',
      status: 'completed',
      links: {
        self: '/v1/batches/batch_01jdz6x4v8k3m2n5p7q9r0s1t5',
        results: '/v1/batches/batch_01jdz6x4v8k3m2n5p7q9r0s1t5/results.zip',
      },
    },
  },
  {
    type: TEST_EVENT_TYPE,
    description: 'Sent by POST /v1/webhook-endpoints/{id}/test to that endpoint only, once, to check the receiver.',
    example: {
      object: 'webhook_test',
      endpoint_id: 'whep_01jdz6x4v8k3m2n5p7q9r0s1t6',
      message: 'A test event: your endpoint receives and verifies our webhooks.',
    },
  },
];
