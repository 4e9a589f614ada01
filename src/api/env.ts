import type { RequestIdVariables } from 'hono/request-id';
import type { BucketPolicy } from '../limits/bucket.ts';
import type { QuotaPolicy } from '../limits/quota.ts';
import type { KeyScope } from '../store/schema.ts';
import type { LinkGrant } from './link-token.ts';

/**
 * Who is calling: an API key, or an anonymous client known only by its IP. `policy` is the token
 * bucket; `quota` the monthly allowance (undefined: unlimited).
 */
export type Identity =
  | { kind: 'key'; keyId: string; accountId: string; policy: BucketPolicy; quota?: QuotaPolicy; scope: KeyScope }
  | { kind: 'anonymous'; ip: string; accountId: string; policy: BucketPolicy; quota?: QuotaPolicy };

/** What middleware put on `c.var` for the handlers after them. */
export type AppEnv = {
  Variables: RequestIdVariables & {
    /** The caller's address: the socket's, or X-Forwarded-For's from a trusted proxy (client-ip). */
    clientIp: string;
    /** Set by authenticate. */
    identity: Identity;
    /** The account every resource of this request belongs to (set by authenticate). */
    accountId: string;
    /** The link token the request was authenticated by, when it was (set by authenticate). */
    linkGrant?: LinkGrant;
  };
};
