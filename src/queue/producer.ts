import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueName } from './catalog.ts';
import { assertConnected } from './connection.ts';

/** Every catalog queue, plus the connection they share (checked before each add, to fail fast). */
export type Queues = { [Q in QueueName]: Queue } & { connection: Redis };

/** Opens every queue in the catalog on one connection. */
export function openQueues(connection: Redis, prefix: string): Queues {
  const render = new Queue('render', { connection, prefix, skipWaitingForReady: true });
  render.on('error', () => {});
  return { render, connection };
}

/** Enqueues the render of one code; jobId = code id, so a second add of a live job is a no-op. */
export async function enqueueRender(queues: Queues, codeId: string): Promise<void> {
  assertConnected(queues.connection);
  await queues.render.add(QUEUES.render.jobName, { codeId }, { ...QUEUES.render.options, jobId: codeId });
}

/** Enqueues many renders in one round trip. */
export async function enqueueRenders(queues: Queues, codeIds: readonly string[]): Promise<void> {
  if (codeIds.length === 0) return;
  assertConnected(queues.connection);
  await queues.render.addBulk(
    codeIds.map((codeId) => ({
      name: QUEUES.render.jobName,
      data: { codeId },
      opts: { ...QUEUES.render.options, jobId: codeId },
    })),
  );
}

export async function closeQueues(queues: Queues): Promise<void> {
  await queues.render.close();
}
