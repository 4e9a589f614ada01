import type { MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

/**
 * The cheap first line: a per-process, in-memory cap on requests per client IP per second, before
 * any key lookup or Redis round trip. Well above any honest client; it only stops floods.
 */
export function ipGuard(options: { perSecond: number }): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiterMemory({ points: options.perSecond, duration: 1 });
  return async function ipGuard(c, next) {
    try {
      await limiter.consume(c.var.clientIp);
    } catch (rejection) {
      const ms = rejection instanceof RateLimiterRes ? rejection.msBeforeNext : 1000;
      throw new ApiProblem({
        code: 'rate_limited',
        detail: 'Too many requests from this address.',
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
        extra: { policy: 'ip-flood' },
      });
    }
    await next();
  };
}
