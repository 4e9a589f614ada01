import type { BucketDecision, BucketPolicy } from './bucket.ts';

/**
 * IETF httpapi rate-limit header fields (draft-ietf-httpapi-ratelimit-headers): the policy names a
 * quota `q` over a window `w` seconds (the time a token bucket takes to refill from empty); the state
 * gives the remaining quota `r` and `t`, seconds until the bucket is full again.
 */
export function rateLimitHeaders(policy: BucketPolicy, decision: BucketDecision): Record<string, string> {
  const window = Math.max(1, Math.ceil(policy.burst / policy.rate));
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${policy.name}";q=${policy.burst};w=${window}`,
    RateLimit: `"${policy.name}";r=${decision.remaining};t=${Math.ceil(decision.fullInMs / 1000)}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
