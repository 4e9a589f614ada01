import type { Context } from 'hono';
import type { Config, Plan } from '../config.ts';
import { FORMATS } from '../domain/formats.ts';
import { isStyled, type RenderSpec } from '../domain/render-spec.ts';
import { SYMBOLOGY_IDS } from '../domain/symbologies.ts';
import { createQuotas, type QuotaDecision, type Quotas, type UsageItem } from '../limits/quota.ts';
import type { ApiDeps } from './deps.ts';
import type { AppEnv } from './env.ts';
import { planOf } from './plan.ts';
import { ApiProblem } from './problem.ts';

/** What one code costs against the monthly quota: a logo or a styled code costs more (config/plans.json). */
export function codeCost(plan: Plan, spec: RenderSpec): number {
  if (spec.options.logo !== undefined) return plan.logoCost;
  return isStyled(spec.options) ? plan.styledCost : 1;
}

/** The quota as a second policy in the IETF RateLimit fields, beside the token bucket's. */
function quotaHeaders(c: Context<AppEnv>, decision: QuotaDecision): Record<string, string> {
  const quota = c.var.identity.quota!;
  const window = Math.max(1, Math.ceil((decision.resetsAt.getTime() - Date.now()) / 1000));
  return {
    'RateLimit-Policy': `"${quota.name}";q=${quota.monthly};w=${window}`,
    RateLimit: `"${quota.name}";r=${decision.remaining};t=${window}`,
  };
}

export type Charge = { cost: number; refund(): Promise<void> };

/**
 * Charges the caller's monthly quota for these codes (a 429 quota_exceeded past it, with the reset) and
 * counts them in the usage report. Returns how to give the units back if the work is then not accepted.
 */
export async function chargeQuota(
  c: Context<AppEnv>,
  deps: ApiDeps,
  codes: { cost: number; usage: UsageItem[] },
): Promise<Charge> {
  if (!deps.config.quotas) return { cost: 0, refund: () => Promise.resolve() };
  const identity = c.var.identity;
  const policy = identity.quota ?? { name: 'unlimited', monthly: Number.MAX_SAFE_INTEGER };
  const decision = await quotasOf(deps).charge(identity.accountId, policy, codes.cost, codes.usage);
  if (identity.quota) {
    for (const [name, value] of Object.entries(quotaHeaders(c, decision))) c.header(name, value, { append: true });
  }
  if (!decision.allowed) {
    const retryAfter = Math.max(1, Math.ceil((decision.resetsAt.getTime() - Date.now()) / 1000));
    throw new ApiProblem({
      code: 'quota_exceeded',
      detail: `The monthly quota of ${policy.monthly} units is used up (${decision.used} used; this request costs ${codes.cost}). It resets at ${decision.resetsAt.toISOString()}.`,
      // The RateLimit fields are on the context already, beside the token bucket's.
      headers: { 'Retry-After': String(retryAfter) },
      extra: { policy: policy.name, resets_at: decision.resetsAt.toISOString() },
    });
  }
  const counted = decision.counted;
  return {
    cost: codes.cost,
    refund: () => (counted ? quotasOf(deps).refund(identity.accountId, codes.cost) : Promise.resolve()),
  };
}

/** The charge for codes rendered from these specs. */
export function specCharge(config: Config, c: Context<AppEnv>, specs: RenderSpec[]) {
  const plan = planOf(config, c.var.identity);
  return {
    cost: specs.reduce((sum, spec) => sum + codeCost(plan, spec), 0),
    usage: specs.map((spec) => ({ symbology: spec.symbology, format: spec.format, codes: 1 })),
  };
}

const quotasByRedis = new WeakMap<object, Quotas>();

/** The process's quotas on this Redis connection (one micro-batcher for every route). */
export function quotasOf(deps: ApiDeps): Quotas {
  if (deps.quotas) return deps.quotas;
  let quotas = quotasByRedis.get(deps.redis);
  if (!quotas) {
    quotas = createQuotas({
      redis: deps.redis,
      prefix: deps.config.queuePrefix,
      leaseUnits: deps.config.quotaLeaseUnits,
      flushMs: deps.config.usageFlushMs,
    });
    quotasByRedis.set(deps.redis, quotas);
  }
  return quotas;
}

/** Runs the work the charge paid for; if it is not accepted after all, the units go back. */
export async function withRefund<T>(charge: Charge, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await charge.refund().catch(() => undefined);
    throw error;
  }
}

/**
 * Tallies a batch's rows as they stream in: units by the plan's costs and codes by symbology and format,
 * read from each row's own fields over the batch defaults (the rows are validated later, at expansion;
 * a row that fails there was still asked for).
 */
export function createRowTally(plan: Plan, defaults: Record<string, unknown>) {
  let cost = 0;
  const codes = new Map<string, UsageItem>();
  // Rows are not validated yet: a value outside the catalog is counted as `invalid`, so a file of made-up
  // names cannot create a usage field per row.
  const known = (value: unknown, names: readonly string[], fallback: string) =>
    value === undefined ? fallback : typeof value === 'string' && names.includes(value) ? value : 'invalid';
  return {
    add(values: Record<string, unknown>): void {
      const field = (name: string) => values[name] ?? defaults[name];
      const styled = [field('module_style'), field('finder_style')].some((s) => s !== undefined && s !== 'square');
      cost += field('logo') !== undefined ? plan.logoCost : styled ? plan.styledCost : 1;
      const symbology = known(field('symbology'), SYMBOLOGY_IDS, 'qrcode');
      const format = known(field('format'), FORMATS, 'png');
      const key = `${symbology}/${format}`;
      const item = codes.get(key) ?? { symbology, format, codes: 0 };
      item.codes++;
      codes.set(key, item);
    },
    charge: () => ({ cost, usage: [...codes.values()] }),
  };
}
