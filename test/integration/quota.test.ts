// Monthly quotas on real Redis with several API processes (one Quotas each): leases far from the edge,
// exact charges near it, and never more admitted than the quota.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotas, quotaPeriod } from '../../src/limits/quota.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { deleteRedisPrefix, REDIS_URL } from '../support/harness.ts';
import { prefixesInUse } from '../support/redis-prefixes.ts';

const prefix = `quota${randomBytes(4).toString('hex')}`;
prefixesInUse.add(prefix);
const redis = createRedis(REDIS_URL, 'producer');
beforeAll(() => redis.ping());
afterAll(async () => {
  await deleteRedisPrefix(REDIS_URL, prefix);
  redis.disconnect();
});

const usage = [{ symbology: 'qrcode', format: 'png', codes: 1 }];
const process = () => createQuotas({ redis, prefix, leaseUnits: 100, flushMs: 50 });
const counter = async (account: string) =>
  Number(await redis.get(`${prefix}:quota:${account}:${quotaPeriod(new Date()).id}`));

describe('quotas across API processes', () => {
  it('three processes charging concurrently admit exactly the quota, leasing far from the edge', async () => {
    const processes = [process(), process(), process()];
    const policy = { name: 'p-monthly', monthly: 5000 };
    let admitted = 0;
    const run = (rounds: number) =>
      Promise.all(
        processes.map(async (quotas) => {
          for (let i = 0; i < rounds; i++) {
            const batch = await Promise.all(Array.from({ length: 4 }, () => quotas.charge('acct_a', policy, 1, usage)));
            admitted += batch.filter((d) => d.allowed).length;
          }
        }),
      );
    // Far from the edge (3,000 of 5,000): charges are admitted from leases, about one Redis call per 100.
    let calls = 0;
    const evalsha = redis.evalsha.bind(redis);
    redis.evalsha = ((...args: Parameters<typeof evalsha>) => (calls++, evalsha(...args))) as typeof redis.evalsha;
    await run(250);
    redis.evalsha = evalsha;
    expect(admitted).toBe(3000);
    expect(calls).toBeLessThan(100);
    // Then on past the quota: exactly the quota is admitted, whichever process asks.
    await run(2000);
    expect(admitted).toBe(5000);
    expect(await counter('acct_a')).toBe(5000);
    // Every process's added-up usage counts reach Redis: closing writes what is pending.
    await Promise.all(processes.map((q) => q.close()));
    const total = await processes[0]!.usage('acct_a', [new Date().toISOString().slice(0, 10)]);
    expect([...total.values()][0]).toEqual({ 'qrcode/png': 5000 });
  });

  it('a closing process gives its unused lease back; used() never counts its own lease', async () => {
    const quotas = process();
    const policy = { name: 'p-monthly', monthly: 1_000_000 };
    expect((await quotas.charge('acct_b', policy, 1, usage)).allowed).toBe(true);
    expect(await counter('acct_b')).toBe(101);
    expect(await quotas.used('acct_b')).toBe(1);
    await quotas.refund('acct_b', 1);
    expect(await quotas.used('acct_b')).toBe(0);
    await quotas.close();
    expect(await counter('acct_b')).toBe(0);
  });

  it('a styled charge larger than the lease left takes the rest back in the same step', async () => {
    const quotas = process();
    const policy = { name: 'p-monthly', monthly: 1_000_000 };
    await quotas.charge('acct_c', policy, 1, usage); // takes 1 + a lease of 100
    for (let i = 0; i < 99; i++) await quotas.charge('acct_c', policy, 1, usage); // 1 left of the lease
    expect(await counter('acct_c')).toBe(101);
    await quotas.charge('acct_c', policy, 5, usage); // gives 1 back, takes 5 + a new lease of 100
    expect(await counter('acct_c')).toBe(100 + 5 + 100);
    expect(await quotas.used('acct_c')).toBe(100 + 5);
    await quotas.close();
    expect(await counter('acct_c')).toBe(105);
  });

  it('a charge across midnight and the month boundary counts in the new day and the new period', async () => {
    let at = new Date('2026-12-31T23:59:59.999Z');
    const quotas = createQuotas({ redis, prefix, leaseUnits: 0, flushMs: 60_000, now: () => at });
    const policy = { name: 'p-monthly', monthly: 2 };
    const key = (period: string) => `${prefix}:quota:acct_d:${period}`;
    expect((await quotas.charge('acct_d', policy, 2, usage)).resetsAt.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect((await quotas.charge('acct_d', policy, 1, usage)).allowed).toBe(false);
    at = new Date('2027-01-01T00:00:00.000Z');
    const next = await quotas.charge('acct_d', policy, 1, usage);
    expect(next).toMatchObject({ allowed: true, remaining: 1 });
    expect(next.resetsAt.toISOString()).toBe('2027-02-01T00:00:00.000Z');
    expect([await redis.get(key('2026-12')), await redis.get(key('2027-01'))]).toEqual(['2', '1']);
    // A clock set back (a test, a corrected host) counts in the day it says again.
    at = new Date('2026-12-31T12:00:00.000Z');
    expect((await quotas.charge('acct_d', { ...policy, monthly: 3 }, 1, usage)).allowed).toBe(true);
    expect(await redis.get(key('2026-12'))).toBe('3');
    const days = await quotas.usage('acct_d', ['2026-12-31', '2027-01-01']);
    expect(Object.fromEntries(days)).toEqual({ '2026-12-31': { 'qrcode/png': 2 }, '2027-01-01': { 'qrcode/png': 1 } });
    await quotas.close();
  });
});
