import type { Redis } from 'ioredis';
import { createMicroBatcher } from './micro-batch.ts';

/** A monthly allowance of code units (a plain code costs 1; styled and logo codes more, per plan). */
export type QuotaPolicy = { name: string; monthly: number };

export type QuotaDecision = {
  allowed: boolean;
  /** Units used this period after this charge (before it, when refused). */
  used: number;
  remaining: number;
  /** When the period ends and the count starts again (the first instant of next month, UTC). */
  resetsAt: Date;
  /** Whether the count came from Redis; false while Redis is unreachable (the charge is admitted uncounted). */
  counted: boolean;
};

/** One unit of usage to record with the charge: how many codes of a symbology and format. */
export type UsageItem = { symbology: string; format: string; codes: number };

/** The UTC month `at` falls in: `2026-12`, its first instant and the next month's. */
export function quotaPeriod(at: Date): { id: string; start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { id: start.toISOString().slice(0, 7), start, end };
}

/** A UTC day as `2026-12-01`. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

// Usage hashes and quota counters outlive their period by this much, so last year's usage stays readable.
const KEEP_SECONDS = 400 * 86_400;

// KEYS: per charge, the account's period counter then its day's usage hash. ARGV: per charge, the
// quota, the cost, then the number of usage fields followed by field/count pairs. Charges run in
// order inside one script, so a burst at the quota's edge never admits more than the quota.
const CHARGE_LUA = `
local out = {}
local a = 1
for i = 1, #KEYS, 2 do
  local quota = tonumber(ARGV[a])
  local cost = tonumber(ARGV[a + 1])
  local fields = tonumber(ARGV[a + 2])
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if cost <= 0 or used + cost <= quota then
    if cost > 0 then
      used = redis.call('INCRBY', KEYS[i], cost)
      -- the first charge of a period creates the counter: give it its lifetime once
      if used == cost then redis.call('EXPIRE', KEYS[i], ${KEEP_SECONDS}) end
    end
    for f = 1, fields do
      redis.call('HINCRBY', KEYS[i + 1], ARGV[a + 1 + f * 2], tonumber(ARGV[a + 2 + f * 2]))
    end
    if fields > 0 then redis.call('EXPIRE', KEYS[i + 1], ${KEEP_SECONDS}, 'NX') end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
  out[#out + 1] = used
  a = a + 3 + fields * 2
end
return out
`;

type ChargeCommand = (keyCount: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;
type Charge = { accountId: string; policy: QuotaPolicy; cost: number; usage: UsageItem[]; at: Date };

export type Quotas = {
  /** Takes `cost` units of the account's monthly quota and records `usage` with it, atomically. */
  charge(accountId: string, policy: QuotaPolicy, cost: number, usage: UsageItem[]): Promise<QuotaDecision>;
  /** Gives back units charged for work that was then not accepted (never below zero). */
  refund(accountId: string, cost: number): Promise<void>;
  /** Units used in the current period. */
  used(accountId: string): Promise<number>;
  /** Codes per day and `symbology/format` for the account, days `from`..`to` inclusive (UTC). */
  usage(accountId: string, days: string[]): Promise<Map<string, Record<string, number>>>;
};

const FIELD_SEPARATOR = '/';

/** Splits a usage hash field back into its symbology and format. */
export function usageField(field: string): { symbology: string; format: string } {
  const at = field.lastIndexOf(FIELD_SEPARATOR);
  return { symbology: field.slice(0, at), format: field.slice(at + 1) };
}

/**
 * Monthly quotas and usage counters in Redis: one script call per tick serves every charge of that
 * tick (as the token buckets do), so counting adds no PostgreSQL write and no round trip per code.
 */
export function createQuotas(options: { redis: Redis; prefix: string; now?: () => Date }): Quotas {
  const { redis, prefix } = options;
  const now = options.now ?? (() => new Date());
  if (!('chargeQuota' in redis)) redis.defineCommand('chargeQuota', { lua: CHARGE_LUA });
  const command = (redis as unknown as { chargeQuota: ChargeCommand }).chargeQuota.bind(redis);
  const counterKey = (accountId: string, at: Date) => `${prefix}:quota:${accountId}:${quotaPeriod(at).id}`;
  const usageKey = (accountId: string, day: string) => `${prefix}:usage:${accountId}:${day}`;

  const chargeInRedis = createMicroBatcher(
    async (charges: Charge[]) => {
      const keys = charges.flatMap((c) => [counterKey(c.accountId, c.at), usageKey(c.accountId, dayOf(c.at))]);
      const args = charges.flatMap((c) => [
        c.policy.monthly,
        c.cost,
        c.usage.length,
        ...c.usage.flatMap((u) => [`${u.symbology}${FIELD_SEPARATOR}${u.format}`, u.codes]),
      ]);
      const flat = await command(keys.length, ...keys, ...args);
      return charges.map((c, i) => decide(c, flat[i * 2] === 1, Number(flat[i * 2 + 1]), true));
    },
    { maxBatch: 500 },
  );

  function decide(c: Charge, allowed: boolean, used: number, counted: boolean): QuotaDecision {
    return {
      allowed,
      used,
      remaining: Math.max(0, c.policy.monthly - used),
      resetsAt: quotaPeriod(c.at).end,
      counted,
    };
  }

  return {
    async charge(accountId, policy, cost, usage) {
      const charge = { accountId, policy, cost, usage, at: now() };
      if (redis.status !== 'ready') return decide(charge, true, 0, false);
      try {
        return await chargeInRedis(charge);
      } catch {
        // Availability over exactness: a Redis outage admits the work uncounted rather than refusing it.
        return decide(charge, true, 0, false);
      }
    },
    async refund(accountId, cost) {
      if (cost <= 0) return;
      const key = counterKey(accountId, now());
      const left = await redis.decrby(key, cost);
      if (left < 0) await redis.set(key, 0, 'KEEPTTL');
    },
    async used(accountId) {
      return Number((await redis.get(counterKey(accountId, now()))) ?? 0);
    },
    async usage(accountId, days) {
      const pipeline = redis.pipeline();
      for (const day of days) pipeline.hgetall(usageKey(accountId, day));
      const results = (await pipeline.exec()) ?? [];
      const byDay = new Map<string, Record<string, number>>();
      days.forEach((day, i) => {
        const hash = (results[i]?.[1] ?? {}) as Record<string, string>;
        byDay.set(day, Object.fromEntries(Object.entries(hash).map(([field, n]) => [field, Number(n)])));
      });
      return byDay;
    },
  };
}
