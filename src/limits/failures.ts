import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Counts failed attempts per subject (an IP, a link token's hash) and blocks a subject past the limit. */
export type FailureCounter = {
  /** ms the subject is still blocked for (0 when it is not). */
  blockedFor(subject: string): number;
  /** Records one failure; resolves to the ms the subject is now blocked for (0 while under the limit). */
  fail(subject: string): Promise<number>;
};

/**
 * Failed authentications (API keys, link tokens, the admin's Basic) counted in Redis so every API
 * process agrees, `perMinute` per subject before it is blocked for `blockSeconds`. A block is also
 * remembered in-process, so a blocked subject costs no Redis call.
 */
export function createFailureCounter(options: {
  redis: Redis;
  /** Redis key prefix; distinct counters (API auth, admin auth) use distinct prefixes. */
  keyPrefix: string;
  perMinute: number;
  blockSeconds: number;
}): FailureCounter {
  const limiterOptions = { points: options.perMinute, duration: 60, blockDuration: options.blockSeconds };
  const failures = new RateLimiterRedis({
    ...limiterOptions,
    storeClient: options.redis,
    keyPrefix: options.keyPrefix,
    inMemoryBlockOnConsumed: options.perMinute + 1,
    inMemoryBlockDuration: options.blockSeconds,
    insuranceLimiter: new RateLimiterMemory(limiterOptions),
  });
  const blockedUntil = new Map<string, number>();
  return {
    blockedFor(subject) {
      const until = blockedUntil.get(subject);
      if (until === undefined) return 0;
      if (until > Date.now()) return until - Date.now();
      blockedUntil.delete(subject);
      return 0;
    },
    async fail(subject) {
      try {
        await failures.consume(subject);
        return 0;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return 0;
        blockedUntil.set(subject, Date.now() + rejection.msBeforeNext);
        return rejection.msBeforeNext;
      }
    },
  };
}
