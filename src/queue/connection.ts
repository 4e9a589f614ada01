import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers (the API) fail fast: a command while Redis is down errors after one reconnect attempt
 * (a few hundred ms) so the request can answer 503 instead of hanging; the offline queue stays on
 * so commands issued while the first connection opens simply wait for it. Workers wait forever: BullMQ requires maxRetriesPerRequest null
 * for blocking commands, and a worker should simply resume when Redis returns.
 */
export type ConnectionRole = 'producer' | 'worker' | 'probe';

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  // Auto-pipelining sends the commands of concurrent requests in one write: fewer syscalls per request.
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000, enableAutoPipelining: true },
  worker: { maxRetriesPerRequest: null, enableOfflineQueue: true },
  // A start-up check: one attempt, opened by connect(), never retried by ioredis (the caller backs off).
  probe: { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null },
};

/** The one Redis connection factory. */
export function createRedis(redisUrl: string, role: ConnectionRole): Redis {
  const redis = new Redis(redisUrl, {
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...ROLE_OPTIONS[role],
  });
  // Errors surface through the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  return redis;
}

/** Thrown instead of waiting when a fail-fast connection is not up; the API answers it with 503. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor() {
    super('Redis is not connected');
  }
}

/**
 * Fails at once while the connection is down: ioredis would otherwise hold the command until its
 * next reconnect attempt (up to seconds), and a client would wait on that.
 */
export function assertConnected(redis: Redis): void {
  if (redis.status !== 'ready') throw new RedisUnavailableError();
}
