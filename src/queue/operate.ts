import { QUEUES, type QueueName } from './catalog.ts';
import type { Queues } from './producer.ts';

/** The job states operators look at (BullMQ 5+ keeps paused jobs in `waiting`; paused is a queue flag). */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'failed',
  'completed',
] as const;

/** A catalog queue name, or undefined. */
export function queueNamed(name: string | undefined): QueueName | undefined {
  return name !== undefined && Object.hasOwn(QUEUES, name) ? (name as QueueName) : undefined;
}

/** Jobs per state for every catalog queue, and whether it is paused (the CLI's `queues depth`). */
export async function queueDepths(
  queues: Queues,
): Promise<Array<{ queue: string; paused: boolean } & Record<string, number | string | boolean>>> {
  return Promise.all(
    (Object.keys(QUEUES) as QueueName[]).map(async (name) => {
      const [counts, paused] = await Promise.all([queues[name].getJobCounts(...QUEUE_STATES), queues[name].isPaused()]);
      return { queue: name, paused, ...counts };
    }),
  );
}

/** Deletes every failed job of a queue (in pages, so Redis never blocks long); returns how many. */
export async function drainFailed(queues: Queues, name: QueueName): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await queues[name].clean(0, 1000, 'failed');
    removed += ids.length;
    if (ids.length < 1000) return removed;
  }
}
