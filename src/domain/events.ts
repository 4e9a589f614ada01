/** The events of the log (GET /v1/events) and of webhooks. */
export const EVENT_TYPES = ['code.succeeded', 'code.failed', 'code.canceled', 'batch.completed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a code's own webhook_url receives when webhook_events is not given: every code event. */
export const CODE_WEBHOOK_DEFAULT_EVENTS: readonly EventType[] = ['code.succeeded', 'code.failed', 'code.canceled'];
/** What a batch's own webhook_url receives when webhook_events is not given (store/events.ts dispatches the same). */
export const BATCH_WEBHOOK_DEFAULT_EVENTS: readonly EventType[] = ['batch.completed'];
