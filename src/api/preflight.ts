import { createPreflightPool, overBudgetIssue, type PreflightPool } from '../render/preflight-pool.ts';
import type { RunPreflight } from '../render/submission.ts';
import type { ApiDeps } from './deps.ts';
import { ApiProblem } from './problem.ts';

const pools = new WeakMap<ApiDeps, PreflightPool>();

/** The pool passed in, or one made from the config for these deps (threads start at its first check). */
export function preflightPoolOf(deps: ApiDeps): PreflightPool {
  if (deps.preflight) return deps.preflight;
  let pool = pools.get(deps);
  if (!pool) pools.set(deps, (pool = createPreflightPool(preflightPoolOptions(deps.config))));
  return pool;
}

/** The pool's settings from config (PREFLIGHT_*). */
export function preflightPoolOptions(config: ApiDeps['config']) {
  return {
    threads: config.preflightThreads,
    timeoutMs: config.preflightTimeoutMs,
    maxPerAccount: config.preflightMaxPerAccount,
    queuePerAccount: config.preflightQueuePerAccount,
  };
}

/**
 * Engine checks for one account's request on the pool: over budget is an issue on `data` (→ 422),
 * a full queue for the account a 429 (its own requests wait; other accounts' do not).
 */
export function accountPreflight(deps: ApiDeps, accountId: string): RunPreflight {
  const pool = preflightPoolOf(deps);
  return async (spec) => {
    const checked = await pool.check(spec, accountId);
    if (checked.outcome === 'checked') return checked.issues;
    if (checked.outcome === 'timed_out') return [overBudgetIssue(checked.budgetMs)];
    throw new ApiProblem({
      code: 'rate_limited',
      detail: `This account has ${deps.config.preflightQueuePerAccount} costly checks waiting (PREFLIGHT_QUEUE_PER_ACCOUNT); retry when they are done.`,
      headers: { 'Retry-After': String(deps.config.retryAfterSeconds) },
      extra: { policy: 'preflight' },
    });
  };
}
