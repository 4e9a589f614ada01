import type { JobsOptions } from 'bullmq';
import * as v from 'valibot';

/** Every queue, its job name, payload schema and job options. Jobs carry ids, never images. */
export const QUEUES = {
  render: {
    jobName: 'render-code',
    payload: v.strictObject({ codeId: v.pipe(v.string(), v.startsWith('code_')) }),
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      // Completed jobs are removed so that the same jobId (= code id) can be enqueued again by a
      // reconciler; Postgres, not Redis, is the record of what happened.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
} as const satisfies Record<string, { jobName: string; payload: v.GenericSchema; options: JobsOptions }>;

export type QueueName = keyof typeof QUEUES;
export type JobPayload<Q extends QueueName> = v.InferOutput<(typeof QUEUES)[Q]['payload']>;
