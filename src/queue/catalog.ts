import type { JobsOptions } from 'bullmq';
import * as v from 'valibot';

/** Every queue, its job name, payload schema and job options. Jobs carry ids, never images. */
export const QUEUES = {
  render: {
    jobName: 'render-code',
    // One or more codes per job (RENDER_JOB_CODES), each with its own status; `codeId` is the payload of
    // jobs enqueued before jobs could carry several.
    payload: v.union([
      v.strictObject({ codeIds: v.pipe(v.array(v.pipe(v.string(), v.startsWith('code_'))), v.minLength(1)) }),
      v.strictObject({ codeId: v.pipe(v.string(), v.startsWith('code_')) }),
    ]),
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      // Completed jobs are removed so that the same jobId (a code's id, or its group's) can be enqueued
      // again by a reconciler; Postgres, not Redis, is the record of what happened.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  // Batch expansion: one job per uploaded batch (jobId = batch id) turns its rows into codes.
  batches: {
    jobName: 'expand-batch',
    payload: v.strictObject({ batchId: v.pipe(v.string(), v.startsWith('batch_')) }),
    options: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  // Webhook deliveries: one job per attempt (jobId = delivery id + attempt number); the schedule lives
  // in PostgreSQL (next_attempt_at), so jobs are not retried by BullMQ beyond a transient error, and a
  // failed job is removed so the dispatcher's sweep can enqueue the attempt again.
  webhooks: {
    jobName: 'deliver-webhook',
    payload: v.strictObject({
      deliveryId: v.pipe(v.string(), v.startsWith('msg_')),
      attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
    }),
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  },
  // Operator chores, repeated by BullMQ job schedulers (workers/maintenance.ts): re-enqueue codes
  // Redis lost (reconcile) and delete expired results (retention). Small jobs, one at a time.
  maintenance: {
    jobName: 'maintenance',
    payload: v.strictObject({ task: v.picklist(['reconcile', 'retention']) }),
    options: {
      attempts: 1,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    },
  },
} as const satisfies Record<string, { jobName: string; payload: v.GenericSchema; options: JobsOptions }>;

export type QueueName = keyof typeof QUEUES;
