import type { RequestIdVariables } from 'hono/request-id';
import type { BucketPolicy } from '../limits/bucket.ts';
import type { LinkGrant } from './link-token.ts';

/** Who is calling: an API key, or an anonymous client known only by its IP. */
export type Identity =
  | { kind: 'key'; keyId: string; accountId: string; policy: BucketPolicy }
  | { kind: 'anonymous'; ip: string; accountId: string; policy: BucketPolicy };

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
