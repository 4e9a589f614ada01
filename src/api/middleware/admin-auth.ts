import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * HTTP Basic for operator pages (/admin/queues, /metrics). A refusal is answered here, not thrown:
 * the app's problem mapper would drop the WWW-Authenticate challenge browsers need to ask for a login.
 */
export function adminAuth(options: {
  user: string;
  password: string;
  /** False when the credentials are not set: every Basic attempt is refused. @defaultValue true */
  enabled?: boolean;
}): MiddlewareHandler {
  return async function adminAuth(c, next) {
    if (options.enabled === false)
      return c.text('Unauthorized', 401, { 'WWW-Authenticate': 'Basic realm="codes admin", charset="UTF-8"' });
    const [scheme, encoded] = (c.req.header('authorization') ?? '').split(' ');
    const decoded = scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    if (colon > 0 && same(decoded.slice(0, colon), options.user) && same(decoded.slice(colon + 1), options.password))
      return next();
    return c.text('Unauthorized', 401, { 'WWW-Authenticate': 'Basic realm="codes admin", charset="UTF-8"' });
  };
}

/** `Authorization: Bearer <token>` passes; anything else goes on to `fallback` (the admin's Basic). */
export function bearerOr(token: string, fallback: MiddlewareHandler): MiddlewareHandler {
  return async function bearerOr(c, next) {
    const [scheme, presented] = (c.req.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && presented && same(presented, token)) return next();
    return fallback(c, next);
  };
}
