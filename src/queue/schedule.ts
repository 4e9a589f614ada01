import { QUEUES } from './catalog.ts';
import type { Queues } from './producer.ts';

/**
 * Registers the repeating maintenance jobs (BullMQ job schedulers: one per task however many
 * workers call this, and an upsert changes the interval in place).
 */
export async function scheduleMaintenance(
  queues: Queues,
  every: { reconcileMs: number; retentionMs: number },
): Promise<void> {
  const { jobName, options } = QUEUES.maintenance;
  await queues.maintenance.upsertJobScheduler(
    'reconcile',
    { every: every.reconcileMs },
    { name: jobName, data: { task: 'reconcile' }, opts: options },
  );
  await queues.maintenance.upsertJobScheduler(
    'retention',
    { every: every.retentionMs },
    { name: jobName, data: { task: 'retention' }, opts: options },
  );
}
