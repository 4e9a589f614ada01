import type { Redis } from 'ioredis';
import { luaCommand } from './lua.ts';
import { createMicroBatcher } from './micro-batch.ts';

/** A monthly allowance of code units (a plain code costs 1; styled and logo codes more, per plan). */
export type QuotaPolicy = { name: string; monthly: number };

export type QuotaDecision = {
  allowed: boolean;
  /** Units used this period after this charge (before it, when refused), as far as this process knows. */
  used: number;
  remaining: number;
  /** When the period ends and the count starts again (the first instant of next month, UTC). */
  resetsAt: Date;
  /** Whether the charge was counted; false while Redis is unreachable (admitted uncounted). */
  counted: boolean;
};

/** How many codes of a symbology and format a charge asked for (the usage report counts them). */
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

const DAY_MS = 86_400_000;

/**
 * quotaPeriod and dayOf for a clock that mostly moves forward: both are worked out again only when `at`
 * leaves the day they were last worked out for, because every admitted code asks (Date arithmetic and
 * ISO strings were a visible share of counting's cost per request).
 */
function calendar() {
  let day = { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY, id: '' };
  let period = quotaPeriod(new Date(0));
  return (at: Date) => {
    const t = at.getTime();
    if (t < day.start || t >= day.end) {
      const start = t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
      day = { start, end: start + DAY_MS, id: dayOf(at) };
      if (t < period.start.getTime() || t >= period.end.getTime()) period = quotaPeriod(at);
    }
    return { day: day.id, period };
  };
}

// Usage hashes and quota counters outlive their period by this much, so last year's usage stays readable.
const KEEP_SECONDS = 400 * 86_400;

// KEYS: one period counter per charge. ARGV: per charge the quota, the cost, the lease wanted on top
// and the units of an exhausted lease given back first. Each charge takes cost + lease when that fits,
// else the cost alone when that fits, else nothing; charges run in order inside one script, so a burst
// at the quota's edge never admits more than the quota. Returns per charge the units granted (0:
// refused) and the counter after it.
const CHARGE_LUA = `
local out = {}
for i = 1, #KEYS do
  local quota = tonumber(ARGV[i * 4 - 3])
  local cost = tonumber(ARGV[i * 4 - 2])
  local lease = tonumber(ARGV[i * 4 - 1])
  local back = tonumber(ARGV[i * 4])
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if back > 0 then used = redis.call('DECRBY', KEYS[i], math.min(back, used)) end
  local take = 0
  if used + cost + lease <= quota then take = cost + lease elseif used + cost <= quota then take = cost end
  if take > 0 then
    used = redis.call('INCRBY', KEYS[i], take)
    if used == take then redis.call('EXPIRE', KEYS[i], ${KEEP_SECONDS}) end
  end
  out[#out + 1] = take
  out[#out + 1] = used
end
return out
`;

export type Quotas = {
  /** Takes `cost` units of the account's monthly quota, atomically across API processes, and counts `usage`. */
  charge(accountId: string, policy: QuotaPolicy, cost: number, usage: UsageItem[]): Promise<QuotaDecision>;
  /** Gives back units charged for work that was then not accepted. */
  refund(accountId: string, cost: number): Promise<void>;
  /** Units used in the current period (leases other API processes hold count as used). */
  used(accountId: string): Promise<number>;
  /** Codes per day and `symbology/format` for the account (this process's pending counts written first). */
  usage(accountId: string, days: string[]): Promise<Map<string, Record<string, number>>>;
  /** Writes pending usage counts and returns unused leases (at shutdown). */
  close(): Promise<void>;
};

const FIELD_SEPARATOR = '/';

/** Splits a usage hash field back into its symbology and format. */
export function usageField(field: string): { symbology: string; format: string } {
  const at = field.lastIndexOf(FIELD_SEPARATOR);
  return { symbology: field.slice(0, at), format: field.slice(at + 1) };
}

// Leases are taken only while the quota has this many leases' worth left: near the edge, exact charges.
const LEASE_HEADROOM = 10;

/** Units held by this process for one account and period, and the counter as Redis last reported it. */
type Lease = { period: string; units: number; counter: number };

/**
 * Monthly quotas and usage counters in Redis, with no PostgreSQL write and, far from the quota's edge,
 * no Redis call per code: each API process leases `leaseUnits` at a time in the same atomic step as a
 * charge and admits from its lease locally, and only while the quota has more than LEASE_HEADROOM
 * leases left (near the edge every charge goes to Redis, exactly). Usage counts are added up in the
 * process and written every `flushMs`. A process that crashes loses at most its lease (under-admits,
 * never over-admits) and its last `flushMs` of usage counts.
 */
export function createQuotas(options: {
  redis: Redis;
  prefix: string;
  /** Units leased at a time (0: every charge goes to Redis). */
  leaseUnits: number;
  flushMs: number;
  now?: () => Date;
}): Quotas {
  const { redis, prefix, leaseUnits } = options;
  const now = options.now ?? (() => new Date());
  const today = calendar();
  const command = luaCommand(redis, CHARGE_LUA);
  const counterKey = (accountId: string, period: string) => `${prefix}:quota:${accountId}:${period}`;
  const usageKey = (accountId: string, day: string) => `${prefix}:usage:${accountId}:${day}`;
  const leases = new Map<string, Lease>();
  // account → day → field → codes not yet written
  let pending = new Map<string, Map<string, Map<string, number>>>();

  type Ask = { key: string; quota: number; cost: number; lease: number; back: number };
  const chargeInRedis = createMicroBatcher(
    async (asks: Ask[]) => {
      const flat = await command(
        asks.map((a) => a.key),
        asks.flatMap((a) => [a.quota, a.cost, a.lease, a.back]),
      );
      return asks.map((_, i) => ({ granted: Number(flat[i * 2]), counter: Number(flat[i * 2 + 1]) }));
    },
    { maxBatch: 500 },
  );

  function count(accountId: string, day: string, usage: UsageItem[]): void {
    let days = pending.get(accountId);
    if (!days) pending.set(accountId, (days = new Map()));
    let fields = days.get(day);
    if (!fields) days.set(day, (fields = new Map()));
    for (const u of usage) {
      const field = `${u.symbology}${FIELD_SEPARATOR}${u.format}`;
      fields.set(field, (fields.get(field) ?? 0) + u.codes);
    }
  }

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const pipeline = redis.pipeline();
    for (const [accountId, days] of batch)
      for (const [day, fields] of days) {
        const key = usageKey(accountId, day);
        for (const [field, n] of fields) pipeline.hincrby(key, field, n);
        pipeline.expire(key, KEEP_SECONDS, 'NX');
      }
    try {
      await pipeline.exec();
    } catch {
      // Redis unreachable: the counts wait for the next flush.
      for (const [accountId, days] of batch)
        for (const [day, fields] of days)
          count(
            accountId,
            day,
            [...fields].map(([field, codes]) => ({ ...usageField(field), codes })),
          );
    }
  }
  const timer = setInterval(() => void flush(), options.flushMs);
  timer.unref();

  function decision(allowed: boolean, used: number, policy: QuotaPolicy, end: Date, counted = true): QuotaDecision {
    return { allowed, used, remaining: Math.max(0, policy.monthly - used), resetsAt: end, counted };
  }

  return {
    async charge(accountId, policy, cost, usage) {
      const { day, period } = today(now());
      const held = leases.get(accountId);
      const lease = held?.period === period.id ? held : undefined;
      if (lease && lease.units >= cost) {
        lease.units -= cost;
        count(accountId, day, usage);
        return decision(true, lease.counter - lease.units, policy, period.end);
      }
      if (redis.status !== 'ready') return decision(true, 0, policy, period.end, false);
      // Far from the edge, ask for a lease on top of the cost; near it, the cost alone. What is left of an
      // exhausted lease goes back in the same step, so no unit is stranded near the edge.
      const known = lease?.counter ?? 0;
      const wanted = policy.monthly - known > leaseUnits * LEASE_HEADROOM ? leaseUnits : 0;
      const back = lease?.units ?? 0;
      leases.delete(accountId);
      let answer: { granted: number; counter: number };
      try {
        answer = await chargeInRedis({
          key: counterKey(accountId, period.id),
          quota: policy.monthly,
          cost,
          lease: wanted,
          back,
        });
      } catch {
        // Availability over exactness: a Redis outage admits the work uncounted rather than refusing it.
        return decision(true, 0, policy, period.end, false);
      }
      if (answer.granted === 0) return decision(false, answer.counter, policy, period.end);
      const left = answer.granted - cost;
      // A concurrent charge of the same account may have taken a lease meanwhile: the two add up.
      const current = leases.get(accountId);
      if (current?.period === period.id) {
        current.units += left;
        current.counter = Math.max(current.counter, answer.counter);
      } else if (left > 0) leases.set(accountId, { period: period.id, units: left, counter: answer.counter });
      count(accountId, day, usage);
      return decision(true, answer.counter - left, policy, period.end);
    },
    async refund(accountId, cost) {
      if (cost <= 0) return;
      const period = quotaPeriod(now()).id;
      const lease = leases.get(accountId);
      // Back into this process's lease when it holds one for the period: no Redis call.
      if (lease?.period === period && lease.units > 0) {
        lease.units += cost;
        return;
      }
      const key = counterKey(accountId, period);
      const left = await redis.decrby(key, cost);
      if (left < 0) await redis.set(key, 0, 'KEEPTTL');
    },
    async used(accountId) {
      const period = quotaPeriod(now()).id;
      const counter = Number((await redis.get(counterKey(accountId, period))) ?? 0);
      const lease = leases.get(accountId);
      return counter - (lease?.period === period ? lease.units : 0);
    },
    async usage(accountId, days) {
      await flush();
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
    async close() {
      clearInterval(timer);
      await flush();
      const period = quotaPeriod(now()).id;
      const returns = [...leases].filter(([, l]) => l.period === period && l.units > 0);
      leases.clear();
      if (returns.length === 0) return;
      const pipeline = redis.pipeline();
      for (const [accountId, lease] of returns) pipeline.decrby(counterKey(accountId, period), lease.units);
      await pipeline.exec().catch(() => undefined);
    },
  };
}
