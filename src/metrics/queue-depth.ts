import type { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';

import { QUEUE_STATES } from '../queue/operate.ts';

/** The states a queue's backlog sums (active jobs are being worked on; completed and failed are done). */
export const BACKLOG_STATES = ['waiting', 'prioritized', 'delayed'] as const;

/** Jobs per queue and state, read from Redis at scrape time (Redis is shared, so any one process answers). */
export async function queueDepthRegistry(queues: Record<string, Queue>): Promise<Registry> {
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'queue_paused',
    help: '1 while an operator has paused the queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  // The one number an autoscaler needs: every job a worker will take without anyone acting, summed here because
  // KEDA reads one value per trigger (and, given several triggers, scales on the largest, not their sum).
  const backlog = new Gauge({
    name: 'queue_backlog',
    help: 'BullMQ jobs a worker will take: waiting + prioritized + delayed, per queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  await Promise.all(
    Object.entries(queues).map(async ([name, queue]) => {
      const [counts, isPaused] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.isPaused()]);
      for (const state of QUEUE_STATES) gauge.set({ queue: name, state }, counts[state] ?? 0);
      paused.set({ queue: name }, isPaused ? 1 : 0);
      backlog.set(
        { queue: name },
        BACKLOG_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0),
      );
    }),
  );
  return registry;
}
