import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueName } from './catalog.ts';
import { assertConnected } from './connection.ts';

/** Every catalog queue, plus the connection they share (checked before each add, to fail fast). */
export type Queues = { [Q in QueueName]: Queue } & { connection: Redis };

/** Opens every queue in the catalog on one connection. */
export function openQueues(connection: Redis, prefix: string): Queues {
  const queues = Object.fromEntries(
    (Object.keys(QUEUES) as QueueName[]).map((name) => {
      const queue = new Queue(name, { connection, prefix, skipWaitingForReady: true });
      queue.on('error', () => {});
      return [name, queue];
    }),
  ) as { [Q in QueueName]: Queue };
  return { ...queues, connection };
}

/** A code to render and the job that carries it: `render_job` when it shares one, else its own id. */
export type RenderTarget = { id: string; render_job?: string | null };

/** The id of a job carrying several codes: never a code's own id, so a code's own job cannot take it. */
export const renderGroupId = (firstCodeId: string) => `group_${firstCodeId}`;

/**
 * Splits new codes into render jobs of at most `perJob` codes, before they are stored, each job holding one
 * account's codes: a job's codes render one after another, so one caller's slow renders (print-size images)
 * never hold up another caller's code in the same job. Each code of a shared job gets the job's id as
 * `render_job` (written with the row, so the reconciler finds the job of any code); a code alone in its job
 * keeps null, its job's id being its own. The codes come back in the order given.
 */
export function planRenderJobs<T extends RenderTarget & { account_id?: string }>(
  codes: readonly T[],
  perJob: number,
): (T & { render_job: string | null })[] {
  const jobOf = new Map<T, string | null>();
  for (const own of Map.groupBy(codes, (code) => code.account_id).values()) {
    for (let first = 0; first < own.length; first += perJob) {
      const job = own.slice(first, first + perJob);
      for (const code of job) jobOf.set(code, job.length > 1 ? renderGroupId(job[0]!.id) : null);
    }
  }
  return codes.map((code) => ({ ...code, render_job: jobOf.get(code)! }));
}

/**
 * Enqueues the renders of codes in one round trip, one job per `render_job` (the codes sharing it, in
 * order) and one per code without: adding a live job again is a no-op. Interactive codes have no priority,
 * which BullMQ serves before any prioritized job; batch rows pass a priority (1 = first chunk of a batch,
 * growing per chunk), so interactive traffic never waits behind a batch and batches take turns chunk by
 * chunk.
 */
export async function enqueueRenders(
  queues: Queues,
  codes: readonly RenderTarget[],
  options: { priority?: number } = {},
): Promise<void> {
  if (codes.length === 0) return;
  assertConnected(queues.connection);
  const priority =
    options.priority === undefined ? {} : { priority: Math.min(Math.max(1, options.priority), MAX_PRIORITY) };
  const jobs = new Map<string, string[]>();
  for (const code of codes) {
    const jobId = code.render_job ?? code.id;
    const ids = jobs.get(jobId);
    if (ids) ids.push(code.id);
    else jobs.set(jobId, [code.id]);
  }
  await queues.render.addBulk(
    [...jobs].map(([jobId, codeIds]) => ({
      name: QUEUES.render.jobName,
      data: { codeIds },
      opts: { ...QUEUES.render.options, ...priority, jobId },
    })),
  );
}

// BullMQ's largest priority (2^21 - 1).
const MAX_PRIORITY = 2_097_151;

/** Enqueues the expansion of an uploaded batch (jobId = batch id: a second add is a no-op). */
export async function enqueueBatchExpansion(queues: Queues, batchId: string): Promise<void> {
  assertConnected(queues.connection);
  await queues.batches.add(QUEUES.batches.jobName, { batchId }, { ...QUEUES.batches.options, jobId: batchId });
}

/** Enqueues webhook attempts (jobId = delivery id + attempt: adding a live one again is a no-op). */
export async function enqueueDeliveries(
  queues: Queues,
  items: readonly { deliveryId: string; attempt: number; delayMs?: number }[],
): Promise<void> {
  if (items.length === 0) return;
  await queues.webhooks.addBulk(
    items.map(({ deliveryId, attempt, delayMs }) => ({
      name: QUEUES.webhooks.jobName,
      data: { deliveryId, attempt },
      opts: { ...QUEUES.webhooks.options, jobId: `${deliveryId}-a${attempt}`, ...(delayMs ? { delay: delayMs } : {}) },
    })),
  );
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all((Object.keys(QUEUES) as QueueName[]).map((name) => queues[name].close()));
}
