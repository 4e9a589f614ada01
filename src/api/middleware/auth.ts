import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';

/** The account that owns requests made without a key while accounts do not exist yet. */
export const ANONYMOUS_ACCOUNT_ID = 'acct_anonymous';

/** Sets `c.var.accountId` for the handlers after it. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    c.set('accountId', ANONYMOUS_ACCOUNT_ID);
    await next();
  };
}
