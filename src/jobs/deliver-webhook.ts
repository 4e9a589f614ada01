import type { Job } from 'bullmq';
import type { Config } from '../config.ts';
import { openSecret } from '../domain/secrets.ts';
import { enqueueDeliveries, type Queues } from '../queue/producer.ts';
import type { Db } from '../store/db.ts';
import { dispatchEvents } from '../store/events.ts';
import { createLookupBatcher, createMicroBatcher } from '../limits/micro-batch.ts';
import {
  loadDeliveryContexts,
  overdueDeliveries,
  recordAttempt,
  recordSuccesses,
  type DeliveryContext,
  type SuccessRecord,
} from '../store/webhooks.ts';
import { nextDelayMs } from '../webhooks/schedule.ts';
import { send, type SendOutcome } from '../webhooks/send.ts';
import { signedHeaders } from '../webhooks/sign.ts';
import { checkTarget, ssrfPolicyOf, SsrfError, type SsrfPolicy } from '../webhooks/ssrf.ts';

export type WebhookDeps = {
  db: Db;
  queues: Queues;
  secretsKey: string;
  policy: SsrfPolicy;
  schedule: readonly number[];
  timeoutMs: number;
  maxResponseBytes: number;
  disableAfterHours: number;
  onAttempt?: (outcome: 'succeeded' | 'retry' | 'failed', seconds: number) => void;
  /** A delivery's context; webhookDepsOf answers concurrent attempts with one query. */
  loadContext: (deliveryId: string) => Promise<DeliveryContext | undefined>;
  /** Records a successful attempt (false: recorded before); webhookDepsOf writes concurrent ones in one statement. */
  recordSuccess: (record: SuccessRecord) => Promise<boolean>;
};

/** The secrets that sign a delivery: the endpoint's own, or the account's (plus the previous one during a rotation). */
function secretsOf(ctx: DeliveryContext, secretsKey: string): string[] {
  if (ctx.endpoint_secret) return [openSecret(ctx.endpoint_secret, secretsKey)];
  if (ctx.account_secret === null) return [];
  const secrets = [openSecret(ctx.account_secret, secretsKey)];
  if (ctx.previous_secret && ctx.previous_expires_at && ctx.previous_expires_at.getTime() > Date.now())
    secrets.push(openSecret(ctx.previous_secret, secretsKey));
  return secrets;
}

/** The body every attempt of a delivery sends (the same bytes each time). */
export function envelopeOf(ctx: Pick<DeliveryContext, 'type' | 'data' | 'event_created_at' | 'event_id'>): string {
  return JSON.stringify({
    type: ctx.type,
    timestamp: ctx.event_created_at.toISOString(),
    event_id: ctx.event_id,
    data: ctx.data,
  });
}

/**
 * One attempt of one delivery: SSRF check of the URL at send time, signed POST, attempt recorded, next
 * attempt scheduled (Retry-After on 429/503 wins over the schedule). A stale job (the attempt was
 * already made, or the delivery finished) does nothing.
 */
export async function deliverWebhook(job: Job<{ deliveryId: string; attempt: number }>, deps: WebhookDeps) {
  const { deliveryId, attempt } = job.data;
  const ctx = await deps.loadContext(deliveryId);
  if (!ctx || ctx.status !== 'pending' || ctx.attempts !== attempt - 1) return { deliveryId, attempt, skipped: true };
  let outcome: SendOutcome;
  // Undeliverable for good: fails now instead of being found overdue and re-queued at every sweep.
  const unsignable = !ctx.endpoint_secret && ctx.account_secret === null;
  if (ctx.endpoint_disabled_at) {
    outcome = { ok: false, status: null, durationMs: 0, error: 'endpoint disabled' };
  } else if (unsignable) {
    outcome = { ok: false, status: null, durationMs: 0, error: 'no account to sign for (anonymous caller)' };
  } else {
    try {
      const target = await checkTarget(ctx.url, deps.policy);
      const body = envelopeOf(ctx);
      const headers = signedHeaders(secretsOf(ctx, deps.secretsKey), ctx.id, Math.floor(Date.now() / 1000), body);
      outcome = await send(target, headers, body, {
        timeoutMs: deps.timeoutMs,
        maxResponseBytes: deps.maxResponseBytes,
      });
    } catch (error) {
      if (!(error instanceof SsrfError)) throw error;
      outcome = { ok: false, status: null, durationMs: 0, error: `refused: ${error.message}` };
    }
  }
  if (outcome.ok) {
    // Most attempts succeed: one shared statement per flush instead of a transaction per attempt.
    const recorded = await deps.recordSuccess({
      deliveryId,
      attempt,
      statusCode: outcome.status,
      durationMs: outcome.durationMs,
    });
    if (recorded) deps.onAttempt?.('succeeded', outcome.durationMs / 1000);
    return { deliveryId, attempt, status: recorded ? 'succeeded' : 'stale', httpStatus: outcome.status };
  }
  const exhausted = attempt >= ctx.max_attempts || !!ctx.endpoint_disabled_at || unsignable;
  const delay = exhausted ? undefined : (outcome.retryAfterMs ?? nextDelayMs(deps.schedule, attempt));
  const status = delay === undefined ? 'failed' : 'pending';
  const recorded = await recordAttempt(deps.db, {
    deliveryId,
    attempt,
    statusCode: outcome.status,
    durationMs: outcome.durationMs,
    error: outcome.error,
    status,
    nextAttemptAt: delay === undefined ? undefined : new Date(Date.now() + delay),
    endpointId: ctx.endpoint_id,
    gone: outcome.status === 410,
    disableAfterHours: deps.disableAfterHours,
  });
  if (recorded === 'pending')
    await enqueueDeliveries(deps.queues, [{ deliveryId, attempt: attempt + 1, delayMs: delay }]);
  if (recorded) deps.onAttempt?.(recorded === 'pending' ? 'retry' : recorded, outcome.durationMs / 1000);
  return { deliveryId, attempt, status: recorded ?? 'stale', httpStatus: outcome.status };
}

/**
 * The dispatcher's tick: new events → deliveries → jobs, then re-enqueue pending deliveries whose job
 * was lost (a crash between commit and enqueue, a Redis flush). Returns how many jobs it added.
 */
export async function dispatchWebhooks(
  deps: Pick<WebhookDeps, 'db' | 'queues' | 'schedule'> & { batch: number; graceMs: number },
): Promise<number> {
  let added = 0;
  for (;;) {
    const ids = await dispatchEvents(deps.db, { limit: deps.batch, maxAttempts: deps.schedule.length + 1 });
    await enqueueDeliveries(
      deps.queues,
      ids.map((deliveryId) => ({ deliveryId, attempt: 1 })),
    );
    added += ids.length;
    if (ids.length < deps.batch) break;
  }
  const overdue = await overdueDeliveries(deps.db, { graceMs: deps.graceMs, limit: deps.batch });
  await enqueueDeliveries(
    deps.queues,
    overdue.map((d) => ({ deliveryId: d.id, attempt: d.attempts + 1 })),
  );
  return added + overdue.length;
}

/** WebhookDeps from the configuration (the worker process and tests build them the same way). */
export function webhookDepsOf(
  config: Config,
  db: Db,
  queues: Queues,
  onAttempt?: WebhookDeps['onAttempt'],
): WebhookDeps {
  const maxBatch = config.webhookConcurrency;
  const loadContexts = createLookupBatcher(
    (ids) => loadDeliveryContexts(db, ids),
    (ctx) => ctx.id,
    { maxBatch },
  );
  const recordSucceeded = createMicroBatcher(
    async (records: SuccessRecord[]) => {
      const recorded = await recordSuccesses(db, records);
      return records.map((r) => recorded.has(r.deliveryId));
    },
    { maxBatch },
  );
  return {
    db,
    queues,
    loadContext: loadContexts,
    recordSuccess: recordSucceeded,
    secretsKey: config.secretsKey,
    policy: ssrfPolicyOf(config),
    schedule: config.webhookRetrySchedule,
    timeoutMs: config.webhookTimeoutMs,
    maxResponseBytes: config.webhookMaxResponseBytes,
    disableAfterHours: config.webhookDisableAfterHours,
    onAttempt,
  };
}
