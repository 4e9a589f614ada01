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
});
