import { createRedis } from '../../src/queue/connection.ts';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Prefixes handed out on the shared Redis in this test file (uniqueEnv); setup.ts deletes them after it. */
export const prefixesInUse = new Set<string>();

/**
 * Deletes every Redis key under a test's or bench's prefix (queues with jobs left waiting, limiter
 * buckets, published metrics): a run that starts real processes leaves nothing behind in Redis.
 */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = createRedis(redisUrl, 'worker');
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Deletes what this file's prefixes left in the shared Redis. */
export async function deletePrefixesInUse(): Promise<void> {
  for (const prefix of prefixesInUse) await deleteRedisPrefix(SHARED_REDIS_URL, prefix);
  prefixesInUse.clear();
}
