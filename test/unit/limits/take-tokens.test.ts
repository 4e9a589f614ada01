// The token-bucket arithmetic (src/limits/bucket.ts takeTokens), with time given explicitly: every
// expected figure is worked out from the policy, never counted against the wall clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeTokens, type BucketPolicy } from '../../../src/limits/bucket.ts';

const policy: BucketPolicy = { name: 'test', rate: 5, burst: 10 };
const T0 = 1_700_000_000_000;

/** Takes `costs` in turn at the given times, threading the state as the buckets do. */
function run(steps: { at: number; cost: number }[], p = policy) {
  let state: Parameters<typeof takeTokens>[0];
  return steps.map(({ at, cost }) => {
    const result = takeTokens(state, at, p, cost);
    state = result.state;
    return result;
  });
}

describe('takeTokens', () => {
  it('a new bucket starts full: the whole burst passes at one instant, then the next take is refused', () => {
    const results = run(Array.from({ length: 11 }, () => ({ at: T0, cost: 1 })));
    expect(results.map((r) => r.allowed)).toEqual([...Array(10).fill(true), false]);
    expect(results.map((r) => r.tokens)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
    // One token at 5 per second is 200 ms away.
    expect(results[10]!.retryAfterMs).toBe(200);
  });

  it('refills continuously at its rate: 5/s gives one token every 200 ms, and exactly 20 in 4 s', () => {
    const empty = run(Array.from({ length: 10 }, () => ({ at: T0, cost: 1 })))[9]!.state;
    let state = empty;
    let passed = 0;
    // A request every 100 ms for 4 s: each step adds half a token, so every second request passes.
    const pattern: boolean[] = [];
    for (let ms = 100; ms <= 4000; ms += 100) {
      const result = takeTokens(state, T0 + ms, policy, 1);
      state = result.state;
      pattern.push(result.allowed);
      if (result.allowed) passed++;
      else expect(result.retryAfterMs).toBe(100);
    }
    expect(passed).toBe(20);
    expect(pattern).toEqual(Array.from({ length: 40 }, (_, i) => i % 2 === 1));
  });

  it('never holds more than the burst, however long it was idle', () => {
    const [, later] = run([
      { at: T0, cost: 10 },
      { at: T0 + 3_600_000, cost: 0 },
    ]);
    expect(later!.tokens).toBe(10);
  });

  it('a refused take costs nothing, and its retryAfterMs is exactly when the cost is back', () => {
    const [, refused, early, onTime] = run([
      { at: T0, cost: 8 },
      { at: T0, cost: 5 }, // 2 left, 3 missing: 600 ms at 5/s
      { at: T0 + 599, cost: 5 },
      { at: T0 + 600, cost: 5 },
    ]);
    expect(refused).toMatchObject({ allowed: false, tokens: 2, retryAfterMs: 600 });
    expect(early!.allowed).toBe(false);
    expect(onTime).toMatchObject({ allowed: true, retryAfterMs: 0 });
    expect(onTime!.tokens).toBeCloseTo(0, 9);
  });

  it('a cost above the burst is never allowed; a clock going backwards refills nothing', () => {
    expect(takeTokens(undefined, T0, policy, 11).allowed).toBe(false);
    const [, back] = run([
      { at: T0, cost: 10 },
      { at: T0 - 5_000, cost: 1 },
    ]);
    expect(back).toMatchObject({ allowed: false, tokens: 0, retryAfterMs: 200 });
  });

  it('over any sequence, what passes never exceeds the burst plus what the rate refilled', () => {
    fc.assert(
      fc.property(
        fc.record({ rate: fc.integer({ min: 1, max: 100 }), burst: fc.integer({ min: 1, max: 100 }) }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2_000 }), cost: fc.integer({ min: 1, max: 20 }) }), {
          maxLength: 60,
        }),
        ({ rate, burst }, takes) => {
          const p = { name: 'prop', rate, burst };
          let at = T0;
          const results = run(
            takes.map(({ gap, cost }) => ({ at: (at += gap), cost })),
            p,
          );
          const granted = results.reduce((sum, r, i) => sum + (r.allowed ? takes[i]!.cost : 0), 0);
          expect(granted).toBeLessThanOrEqual(burst + ((at - T0) * rate) / 1000 + 1e-9);
          for (const r of results) expect(r.tokens).toBeGreaterThanOrEqual(0);
          for (const r of results) expect(r.tokens).toBeLessThanOrEqual(burst);
        },
      ),
    );
  });
});
