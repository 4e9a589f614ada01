import type { Redis } from 'ioredis';
import { CODE_STATUSES, type CodeStatus } from '../domain/code.ts';

/** The pub/sub channel a code's status changes are published on (one per code, under the queue prefix). */
export function codeStatusChannel(prefix: string, codeId: string): string {
  return `${prefix}:code-status:${codeId}`;
}

/** Announces a code's new status; listeners re-read the row, so the message is only the status. */
export function publishCodeStatus(redis: Redis, prefix: string, codeId: string, status: CodeStatus): Promise<number> {
  return redis.publish(codeStatusChannel(prefix, codeId), status);
}

/** Announces many status changes in one pipeline (a worker's concurrent jobs share one write). */
export async function publishCodeStatuses(
  redis: Redis,
  prefix: string,
  changes: readonly { codeId: string; status: CodeStatus }[],
): Promise<number[]> {
  const pipeline = redis.pipeline();
  for (const { codeId, status } of changes) pipeline.publish(codeStatusChannel(prefix, codeId), status);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, receivers]) => (error ? 0 : Number(receivers)));
}

export type StatusListener = (status: CodeStatus) => void;

/** One subscriber connection per process, shared by every waiter (SSE clients, Prefer: wait). */
export type CodeStatusHub = {
  /** Resolves once the subscription is live; the returned function stops listening. */
  watch: (codeId: string, listener: StatusListener) => Promise<() => void>;
  /** Number of codes currently subscribed (for tests and metrics). */
  channels: () => number;
  /**
   * Aborted when the hub closes (the process is shutting down): waiters stop waiting and answer with
   * what they have, so long-lived requests (SSE, Prefer: wait) do not hold the drain to its bound.
   */
  closing: AbortSignal;
  close: () => Promise<void>;
};

type Channel = { listeners: Set<StatusListener>; ready: Promise<unknown> };

/**
 * Multiplexes per-code channels over `subscriber` (a connection in subscriber mode from then on):
 * the first watcher of a code subscribes, the last one to leave unsubscribes.
 */
export function createCodeStatusHub(subscriber: Redis, prefix: string): CodeStatusHub {
  const channels = new Map<string, Channel>();
  const statuses = new Set<string>(CODE_STATUSES);
  const closing = new AbortController();
  subscriber.on('message', (name: string, message: string) => {
    if (!statuses.has(message)) return;
    for (const listener of channels.get(name)?.listeners ?? []) listener(message as CodeStatus);
  });
  return {
    async watch(codeId, listener) {
      const name = codeStatusChannel(prefix, codeId);
      let channel = channels.get(name);
      if (!channel) {
        channel = { listeners: new Set(), ready: subscriber.subscribe(name) };
        channels.set(name, channel);
      }
      channel.listeners.add(listener);
      const current = channel;
      const stop = () => {
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && channels.get(name) === current) {
          channels.delete(name);
          void subscriber.unsubscribe(name).catch(() => {});
        }
      };
      try {
        await current.ready;
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    channels: () => channels.size,
    closing: closing.signal,
    async close() {
      closing.abort();
      channels.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/**
 * Waits until `codeId` reaches a status accepted by `done`, or `ms` passes (resolves undefined).
 * `recheck` runs once the subscription is live, so a change published just before is not missed.
 */
export async function waitForStatus(
  hub: CodeStatusHub,
  codeId: string,
  done: (status: CodeStatus) => boolean,
  ms: number,
  recheck: () => Promise<CodeStatus | undefined>,
): Promise<CodeStatus | undefined> {
  let resolve!: (status: CodeStatus | undefined) => void;
  const finished = new Promise<CodeStatus | undefined>((r) => (resolve = r));
  const stop = await hub.watch(codeId, (status) => done(status) && resolve(status));
  const timer = setTimeout(() => resolve(undefined), ms);
  const giveUp = () => resolve(undefined);
  hub.closing.addEventListener('abort', giveUp);
  try {
    if (hub.closing.aborted) giveUp();
    const now = await recheck();
    if (now && done(now)) resolve(now);
    return await finished;
  } finally {
    clearTimeout(timer);
    hub.closing.removeEventListener('abort', giveUp);
    stop();
  }
}
