import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** HTTP Basic for operator pages (/admin/queues, /metrics): 401 with a challenge without the credentials. */
export function adminAuth(options: { user: string; password: string }): MiddlewareHandler {
  return basicAuth({ realm: 'codes admin', verifyUser: (user, password) => same(user, options.user) && same(password, options.password) });
}
