import type { Redis } from 'ioredis';

/**
 * Redis must never evict BullMQ keys (a job or a lock silently gone). Returns the policy, or a
 * warning line when it is anything but noeviction (the caller logs it loudly at start).
 */
export async function checkEvictionPolicy(redis: Redis): Promise<{ policy: string; warning?: string }> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1] ?? 'unknown';
  if (policy === 'noeviction') return { policy };
  return {
    policy,
    warning: `Redis maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis may delete queued jobs; set maxmemory-policy noeviction (the reconciler re-enqueues lost codes, but only after RECONCILE_AFTER_MS)`,
  };
}
