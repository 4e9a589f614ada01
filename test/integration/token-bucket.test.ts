// The shared token buckets (src/limits/bucket.ts): the Lua script in the real Redis, with the time
// injected, gives exactly the decisions of takeTokens, the arithmetic the in-memory insurance runs.
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBuckets, takeTokens, type BucketPolicy } from '../../src/limits/bucket.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { REDIS_URL, uniqueEnv } from '../support/harness.ts';

const prefix = uniqueEnv().QUEUE_PREFIX!;
const redis = createRedis(REDIS_URL, 'producer');
// The buckets fall back to memory until the connection is ready; these tests are about the script.
beforeAll(() => redis.ping());
afterAll(() => redis.disconnect());

let now = 1_700_000_000_000;
const clock = () => now;
const buckets = createTokenBuckets({ redis, prefix, insuranceMs: 1000, clock });
let keys = 0;
const newKey = () => `test:${++keys}`;

describe('token buckets in Redis, on an injected clock', () => {
  it('a burst of 10 passes at one instant and the 11th is refused, with the exact wait and refill time', async () => {
    const policy = { name: 'standard', rate: 1, burst: 10 };
    const key = newKey();
    const decisions = [];
    for (let i = 0; i < 11; i++) decisions.push(await buckets.take(key, policy, 1));
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(10).fill(true), false]);
    expect(decisions.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
    expect(decisions[0]).toMatchObject({ source: 'redis', fullInMs: 1000 });
    expect(decisions[10]).toMatchObject({ retryAfterMs: 1000, fullInMs: 10_000 });
  });

  it('refills at its rate: 5/s, asked every 100 ms for 4 s after emptying, lets exactly 20 through', async () => {
    const policy = { name: 'standard', rate: 5, burst: 10 };
    const key = newKey();
    for (let i = 0; i < 10; i++) expect((await buckets.take(key, policy, 1)).allowed).toBe(true);
    const pattern: boolean[] = [];
    for (let step = 0; step < 40; step++) {
      now += 100;
      const decision = await buckets.take(key, policy, 1);
      expect(decision.source).toBe('redis');
      pattern.push(decision.allowed);
    }
    expect(pattern.filter(Boolean)).toHaveLength(20);
    expect(pattern).toEqual(Array.from({ length: 40 }, (_, i) => i % 2 === 1));
  });

  it('takes of one tick share one script call and still decide in order', async () => {
    const policy = { name: 'standard', rate: 1, burst: 3 };
    const key = newKey();
    const decisions = await Promise.all(Array.from({ length: 5 }, () => buckets.take(key, policy, 1)));
    expect(decisions.map((d) => [d.allowed, d.source])).toEqual([
      [true, 'redis'],
      [true, 'redis'],
      [true, 'redis'],
      [false, 'redis'],
      [false, 'redis'],
    ]);
  });

  it('matches takeTokens over random sequences of gaps, costs and policies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ rate: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 50 }) }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), cost: fc.integer({ min: 1, max: 10 }) }), {
          minLength: 1,
          maxLength: 15,
        }),
        async ({ rate, burst }, takes) => {
          const policy: BucketPolicy = { name: 'prop', rate, burst };
          const key = newKey();
          let state: Parameters<typeof takeTokens>[0];
          for (const { gap, cost } of takes) {
            now += gap;
            const expected = takeTokens(state, now, policy, cost);
            state = expected.state;
            const actual = await buckets.take(key, policy, cost);
            expect(actual).toMatchObject({
              allowed: expected.allowed,
              remaining: Math.floor(expected.tokens),
              retryAfterMs: expected.retryAfterMs,
              source: 'redis',
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("without a clock it runs on Redis's own time", async () => {
    const onServerTime = createTokenBuckets({ redis, prefix, insuranceMs: 1000 });
    const policy = { name: 'standard', rate: 0.001, burst: 1 };
    const key = newKey();
    expect((await onServerTime.take(key, policy, 1)).allowed).toBe(true);
    const refused = await onServerTime.take(key, policy, 1);
    // At one token per 1000 s, whatever the machine's pace, the wait is within a second of 1000 s.
    expect(refused).toMatchObject({ allowed: false, source: 'redis' });
    expect(refused.retryAfterMs).toBeGreaterThan(999_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1_000_000);
    const [seconds] = await redis.time();
    const stored = await redis.hget(`${prefix}:bucket:${key}`, 'ts');
    expect(Math.abs(Number(stored) - Number(seconds) * 1000)).toBeLessThan(60_000);
  });

  it('while Redis is unreachable, the in-memory insurance decides with the same arithmetic and clock', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {});
    try {
      const insured = createTokenBuckets({ redis: down, prefix, insuranceMs: 1000, clock });
      const policy = { name: 'standard', rate: 5, burst: 2 };
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push(await insured.take('memory', policy, 1));
      expect(decisions.map((d) => [d.allowed, d.source])).toEqual([
        [true, 'memory'],
        [true, 'memory'],
        [false, 'memory'],
      ]);
      expect(decisions[2]!.retryAfterMs).toBe(200);
      now += 200;
      expect((await insured.take('memory', policy, 1)).allowed).toBe(true);
    } finally {
      down.disconnect();
    }
  });
});
