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

/** Enqueues the render of one code; jobId = code id, so a second add of a live job is a no-op. */
export async function enqueueRender(queues: Queues, codeId: string): Promise<void> {
  assertConnected(queues.connection);
  await queues.render.add(QUEUES.render.jobName, { codeId }, { ...QUEUES.render.options, jobId: codeId });
}

/**
 * Enqueues many renders in one round trip. Interactive codes have no priority, which BullMQ serves
 * before any prioritized job; batch rows pass a priority (1 = first chunk of a batch, growing per
 * chunk), so interactive traffic never waits behind a batch and batches take turns chunk by chunk.
 */
export async function enqueueRenders(
  queues: Queues,
  codeIds: readonly string[],
  options: { priority?: number } = {},
): Promise<void> {
  if (codeIds.length === 0) return;
  assertConnected(queues.connection);
  const priority =
    options.priority === undefined ? {} : { priority: Math.min(Math.max(1, options.priority), MAX_PRIORITY) };
  await queues.render.addBulk(
    codeIds.map((codeId) => ({
      name: QUEUES.render.jobName,
      data: { codeId },
      opts: { ...QUEUES.render.options, ...priority, jobId: codeId },
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
