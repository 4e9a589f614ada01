import { QUEUES } from './catalog.ts';
import type { Queues, RenderTarget } from './producer.ts';

export type RequeueOutcome = { checked: number; requeued: string[] };

const ALIVE = (state: string) => !['unknown', 'completed', 'failed'].includes(state);

/**
 * Enqueues again every render whose job Redis no longer holds alive (missing after a flush or a
 * failover, or failed/completed while PostgreSQL says the code is unfinished). A code's job is its
 * `render_job` when it shared one, else its own id; a code requeued once already has a job of its own
 * too, so both are looked at. A lost code gets a job of its own (jobId = code id): a job that is
 * waiting, delayed or active is left alone and a concurrent requeue is a no-op. Batch rows go back at
 * batch priority (1, as a retry), never into the interactive lane.
 */
export async function requeueLostRenders(
  queues: Queues,
  codes: readonly (RenderTarget & { batch_id?: string | null })[],
): Promise<RequeueOutcome> {
  const render = queues.render;
  const jobIds = [...new Set(codes.flatMap((code) => (code.render_job ? [code.render_job, code.id] : [code.id])))];
  const states = new Map(await Promise.all(jobIds.map(async (id) => [id, await render.getJobState(id)] as const)));
  const lost = codes.filter(
    (code) => !ALIVE(states.get(code.id)!) && !(code.render_job && ALIVE(states.get(code.render_job)!)),
  );
  // A finished job keeps its id; it must go before the same id can be added again. A shared job's
  // other codes are then found lost too (here or on a later page) and get jobs of their own.
  const finished = [...new Set(lost.flatMap((code) => [code.id, code.render_job ?? code.id]))].filter((id) =>
    ['completed', 'failed'].includes(states.get(id)!),
  );
  await Promise.all(finished.map((id) => render.remove(id).catch(() => 0)));
  if (lost.length > 0) {
    await render.addBulk(
      lost.map((code) => ({
        name: QUEUES.render.jobName,
        data: { codeIds: [code.id] },
        opts: { ...QUEUES.render.options, ...(code.batch_id ? { priority: 1 } : {}), jobId: code.id },
      })),
    );
  }
  return { checked: codes.length, requeued: lost.map((code) => code.id) };
}

/** Enqueues again the expansion of every batch still `validating` whose job Redis no longer holds alive. */
export async function requeueLostExpansions(queues: Queues, batchIds: readonly string[]): Promise<RequeueOutcome> {
  const batches = queues.batches;
  const states = await Promise.all(batchIds.map(async (id) => ({ id, state: await batches.getJobState(id) })));
  const lost = states.filter((s) => !ALIVE(s.state));
  // A finished job keeps its id; it must go before the same id can be added again.
  await Promise.all(lost.filter((s) => s.state !== 'unknown').map((s) => batches.remove(s.id).catch(() => 0)));
  if (lost.length > 0) {
    await batches.addBulk(
      lost.map(({ id }) => ({
        name: QUEUES.batches.jobName,
        data: { batchId: id },
        opts: { ...QUEUES.batches.options, jobId: id },
      })),
    );
  }
  return { checked: batchIds.length, requeued: lost.map((s) => s.id) };
}
