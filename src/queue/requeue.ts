import { QUEUES } from './catalog.ts';
import type { Queues } from './producer.ts';

export type RequeueOutcome = { checked: number; requeued: string[] };

/**
 * Enqueues again every render whose job Redis no longer holds alive (missing after a flush or a
 * failover, or failed/completed while PostgreSQL says the code is unfinished). jobId = code id, so a
 * job that is waiting, delayed or active is left alone and a concurrent requeue is a no-op.
 */
export async function requeueLostRenders(queues: Queues, codeIds: readonly string[]): Promise<RequeueOutcome> {
  const render = queues.render;
  const states = await Promise.all(codeIds.map(async (id) => ({ id, state: await render.getJobState(id) })));
  const gone = states.filter((s) => ['unknown', 'completed', 'failed'].includes(s.state));
  // A finished job keeps its id; it must go before the same id can be added again.
  await Promise.all(gone.filter((s) => s.state !== 'unknown').map((s) => render.remove(s.id).catch(() => 0)));
  const lost = gone.map((s) => s.id);
  if (lost.length > 0) {
    await render.addBulk(
      lost.map((codeId) => ({
        name: QUEUES.render.jobName,
        data: { codeId },
        opts: { ...QUEUES.render.options, jobId: codeId },
      })),
    );
  }
  return { checked: codeIds.length, requeued: lost };
}
