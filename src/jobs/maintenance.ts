import { UnrecoverableError, type Job } from 'bullmq';
import * as v from 'valibot';
import { QUEUES } from '../queue/catalog.ts';
import type { Queues } from '../queue/producer.ts';
import { requeueLostExpansions, requeueLostRenders } from '../queue/requeue.ts';
import { listUnexpandedBatches } from '../store/batches.ts';
import type { Db } from '../store/db.ts';
import { deleteExpiredEvents } from '../store/events.ts';
import { deleteExpiredIdempotencyKeys } from '../store/idempotency.ts';
import { deleteExpiredCodes, deleteExpiredResults, listUnfinishedCodes } from '../store/retention.ts';

export type MaintenanceDeps = {
  db: Db;
  queues: Queues;
  clock: () => Date;
  retention: {
    defaultDays: number;
    planDays: Record<string, number>;
    codeDays: number;
    batchSize: number;
    /** events and finished webhook deliveries (EVENT_RETENTION_DAYS) */ eventDays?: number;
  };
  reconcile: { afterMs: number; batchSize: number };
};

export type MaintenanceOutcome =
  /** reconcile: unfinished codes looked at, those whose job Redis had lost, and lost batch expansions (enqueued again) */
  | { task: 'reconcile'; checked: number; requeued: number; expansions: number }
  /** retention: rows deleted this run */
  | { task: 'retention'; results: number; codes: number };

/**
 * Re-enqueues codes PostgreSQL says are unfinished, older than `afterMs`, whose render job Redis no
 * longer has (a FLUSHALL, a failover to a stale replica, an eviction), and the expansions of batches
 * still `validating` whose job it lost. Pages through all of them.
 */
export async function reconcileCodes(deps: MaintenanceDeps): Promise<MaintenanceOutcome> {
  const before = new Date(deps.clock().getTime() - deps.reconcile.afterMs);
  let after: string | undefined;
  let checked = 0;
  let requeued = 0;
  for (;;) {
    const codes = await listUnfinishedCodes(deps.db, { before, after, limit: deps.reconcile.batchSize });
    if (codes.length === 0) break;
    const outcome = await requeueLostRenders(deps.queues, codes);
    checked += outcome.checked;
    requeued += outcome.requeued.length;
    after = codes.at(-1)!.id;
  }
  // Batches whose expansion job was lost would stay `validating` forever.
  let expansions = 0;
  for (let afterBatch: string | undefined; ;) {
    const ids = await listUnexpandedBatches(deps.db, { before, after: afterBatch, limit: deps.reconcile.batchSize });
    if (ids.length === 0) break;
    expansions += (await requeueLostExpansions(deps.queues, ids)).requeued.length;
    afterBatch = ids.at(-1);
  }
  return { task: 'reconcile', checked, requeued, expansions };
}

/** Deletes expired results and code rows in small batches, so no statement holds locks for long. */
export async function applyRetention(deps: MaintenanceDeps): Promise<MaintenanceOutcome> {
  const { defaultDays, planDays, codeDays, batchSize } = deps.retention;
  let results = 0;
  let codes = 0;
  // Code rows first: a result whose last code just went is then deleted in the same run.
  for (;;) {
    const n = await deleteExpiredCodes(deps.db, { now: deps.clock(), days: codeDays, limit: batchSize });
    codes += n;
    if (n < batchSize) break;
  }
  for (;;) {
    const n = await deleteExpiredResults(deps.db, { now: deps.clock(), defaultDays, planDays, limit: batchSize });
    results += n;
    if (n < batchSize) break;
  }
  // Idempotency records are kept IDEMPOTENCY_TTL_HOURS; past that a retry is a new request.
  while ((await deleteExpiredIdempotencyKeys(deps.db, batchSize)) === batchSize);
  // Events (and their finished deliveries with their attempt logs) past EVENT_RETENTION_DAYS.
  if (deps.retention.eventDays !== undefined) {
    const before = new Date(deps.clock().getTime() - deps.retention.eventDays * 86_400_000);
    while ((await deleteExpiredEvents(deps.db, { before, limit: batchSize })) >= batchSize);
  }
  return { task: 'retention', results, codes };
}

/** The maintenance queue's processor: one task per job. */
export async function runMaintenance(job: Pick<Job, 'data'>, deps: MaintenanceDeps): Promise<MaintenanceOutcome> {
  const payload = v.safeParse(QUEUES.maintenance.payload, job.data);
  if (!payload.success) throw new UnrecoverableError(`bad maintenance payload: ${JSON.stringify(job.data)}`);
  return payload.output.task === 'reconcile' ? reconcileCodes(deps) : applyRetention(deps);
}
