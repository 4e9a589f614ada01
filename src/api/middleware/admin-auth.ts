import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { FailureCounter } from '../../limits/failures.ts';
import type { AppEnv } from '../env.ts';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="codes admin", charset="UTF-8"' };

/**
 * HTTP Basic for operator pages (/admin/queues, /metrics). A refusal is answered here, not thrown:
 * the app's problem mapper would drop the WWW-Authenticate challenge browsers need to ask for a login.
 * Wrong credentials are counted per client IP like failed API keys; past the limit the IP gets 429.
 */
export function adminAuth(options: {
  user: string;
  password: string;
  /** False when the credentials are not set: every Basic attempt is refused. @defaultValue true */
  enabled?: boolean;
  /** Counts wrong credentials per `c.var.clientIp` (AUTH_FAILURES_PER_MINUTE, AUTH_BLOCK_SECONDS). @defaultValue not counted */
  failures?: FailureCounter;
}): MiddlewareHandler<AppEnv> {
  const tooMany = (ms: number) => ({ 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) });
  return async function adminAuth(c, next) {
    const ip = c.var.clientIp;
    const blockedMs = options.failures?.blockedFor(ip) ?? 0;
    if (blockedMs > 0) return c.text('Too Many Requests', 429, tooMany(blockedMs));
    if (options.enabled === false) return c.text('Unauthorized', 401, CHALLENGE);
    const [scheme, encoded] = (c.req.header('authorization') ?? '').split(' ');
    const decoded = scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    if (colon > 0 && same(decoded.slice(0, colon), options.user) && same(decoded.slice(colon + 1), options.password))
      return next();
    // A browser's first visit sends no credentials: only a wrong attempt counts.
    const nowBlockedMs = decoded ? ((await options.failures?.fail(ip)) ?? 0) : 0;
    if (nowBlockedMs > 0) return c.text('Too Many Requests', 429, tooMany(nowBlockedMs));
    return c.text('Unauthorized', 401, CHALLENGE);
  };
}

/** `Authorization: Bearer <token>` passes; anything else goes on to `fallback` (the admin's Basic). */
export function bearerOr(token: string, fallback: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async function bearerOr(c, next) {
    const [scheme, presented] = (c.req.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && presented && same(presented, token)) return next();
    return fallback(c, next);
  };
}
