import type { MiddlewareHandler } from 'hono';
import type { TokenBuckets } from '../../limits/bucket.ts';
import { rateLimitHeaders } from '../../limits/headers.ts';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

/**
 * Takes `cost` tokens from the caller's bucket: by API key id for a key, by IP for anonymous callers
 * (never the other way round, so a known client is never refused for its neighbours' traffic).
 * Every response carries RateLimit-Policy and RateLimit; a refusal is a 429 with Retry-After.
 */
export function rateLimit(options: {
  buckets: TokenBuckets;
  cost?: number;
  onRejected?: () => void;
}): MiddlewareHandler<AppEnv> {
  const cost = options.cost ?? 1;
  return async function rateLimit(c, next) {
    const identity = c.var.identity;
    const bucketKey = identity.kind === 'key' ? `key:${identity.keyId}` : `ip:${identity.ip}`;
    const decision = await options.buckets.take(bucketKey, identity.policy, cost);
    const headers = rateLimitHeaders(identity.policy, decision);
    if (!decision.allowed) {
      options.onRejected?.();
      throw new ApiProblem({
        code: 'rate_limited',
        detail: `Rate limit of policy "${identity.policy.name}" exceeded: ${identity.policy.burst} burst, ${identity.policy.rate}/s.`,
        headers,
        extra: { policy: identity.policy.name },
      });
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}
