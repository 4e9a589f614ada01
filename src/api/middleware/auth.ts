import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MiddlewareHandler } from 'hono';
import type { Plan } from '../../config.ts';
import { hashApiKey, looksLikeApiKey } from '../../domain/secrets.ts';
import { createFailureCounter } from '../../limits/failures.ts';
import type { Db } from '../../store/db.ts';
import { findKeyByHash, type KeyIdentity } from '../../store/keys.ts';
import type { AppEnv, Identity } from '../env.ts';
import { ApiProblem } from '../problem.ts';
import type { LinkGrant } from '../link-token.ts';
import type { QuotaPolicy } from '../../limits/quota.ts';

export type AuthOptions = {
  db: Db;
  redis: Redis;
  /** Redis key prefix for the failed-auth counters. */
  prefix: string;
  plans: Readonly<Record<string, Plan>>;
  defaultPlan: string;
  /** Whether requests without a key are served (limited per IP under the `anonymous` plan). */
  anonymous: boolean;
  /** How long a key lookup (found or not) is reused; revocation takes effect within this. */
  keyCacheTtlMs: number;
  /** Failed authentications per IP (or per link token) per minute before it is blocked. */
  failuresPerMinute: number;
  blockSeconds: number;
  /**
   * What a `?token=` or /v1/render/{token} link grants for this request (EventSource and <img> cannot
   * send Authorization), or undefined when the token does not grant it. @defaultValue tokens are not accepted
   */
  linkToken?: (token: string, path: string) => LinkGrant | undefined;
  /** A key's last_used_at is reported at most this often per key. */
  lastUsedIntervalMs: number;
  /** Called when a key's last use is due to be recorded (store.touchKeys, micro-batched). */
  onUsed?: (keyId: string, at: Date) => void;
};

// Where clients commonly put a key by mistake.
const MISPLACED_KEY_HEADERS = ['x-api-key', 'api-key', 'apikey', 'x-auth-token'];

type CachedKey = { key: KeyIdentity | undefined; expires: number };

function quotaOf(name: string, monthly: number | null | undefined): QuotaPolicy | undefined {
  return monthly == null ? undefined : { name: `${name}-monthly`, monthly };
}
const KEY_CACHE_MAX = 50_000;

function anonymousAccountId(ip: string): string {
  // Anonymous callers each get an account of their own per address, so they never see each other's codes.
  return `acct_anon_${createHash('sha256').update(ip).digest('hex').slice(0, 24)}`;
}

/** The failure counter's subject for a link token: its hash, so the counter never holds a usable token. */
const linkSubject = (token: string) => `link:${createHash('sha256').update(token).digest('base64url')}`;

/**
 * Authenticates the bearer key (or admits an anonymous caller) and sets `c.var.identity` and
 * `c.var.accountId`. Failed key attempts are counted per IP in Redis; past the limit the IP is blocked
 * (429) for `blockSeconds`, which makes guessing keys hopeless. Failures on a link token count against
 * that token, not the viewer's IP: an expired link in a page blocks the link, never the office behind
 * the IP (guessing a token is hopeless anyway: it is AES-GCM sealed). Runs before any limit by identity.
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, CachedKey>();
  const failures = createFailureCounter({
    redis: options.redis,
    keyPrefix: `${options.prefix}:authfail`,
    perMinute: options.failuresPerMinute,
    blockSeconds: options.blockSeconds,
  });

  function policyFor(key: KeyIdentity): Identity['policy'] {
    const planName = key.plan in options.plans ? key.plan : options.defaultPlan;
    const plan = options.plans[planName]!;
    return { name: planName, rate: key.rate ?? plan.rate, burst: key.burst ?? plan.burst };
  }

  const anonymousQuota = quotaOf('anonymous', options.plans.anonymous?.monthlyQuota);

  // Last use is written at most once per interval per key and process, in one statement for every key due.
  const lastWritten = new Map<string, number>();
  function noteUse(keyId: string): void {
    const now = Date.now();
    if (now - (lastWritten.get(keyId) ?? 0) < options.lastUsedIntervalMs) return;
    if (lastWritten.size >= KEY_CACHE_MAX) lastWritten.clear();
    lastWritten.set(keyId, now);
    options.onUsed?.(keyId, new Date(now));
  }

  // Keyed by the presented token itself: a hit costs one Map lookup, no hashing.
  async function lookup(token: string): Promise<KeyIdentity | undefined> {
    const now = Date.now();
    const hit = cache.get(token);
    if (hit && hit.expires > now) return hit.key;
    const key = await findKeyByHash(options.db, hashApiKey(token));
    if (cache.size >= KEY_CACHE_MAX) cache.clear();
    cache.set(token, { key, expires: now + options.keyCacheTtlMs });
    return key;
  }

  function blocked(subject: string, retryAfterMs: number): ApiProblem {
    return new ApiProblem({
      code: 'rate_limited',
      detail: subject.startsWith('link:')
        ? 'Too many failed uses of this link; it is blocked for a while.'
        : 'Too many failed authentication attempts from this address; it is blocked for a while.',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
      extra: { policy: 'auth-failures' },
    });
  }

  async function refuse(subject: string, detail: string): Promise<never> {
    const blockedMs = await failures.fail(subject);
    if (blockedMs > 0) throw blocked(subject, blockedMs);
    throw new ApiProblem({ code: 'unauthorized', detail, headers: { 'WWW-Authenticate': 'Bearer realm="codes"' } });
  }

  return async function authenticate(c, next) {
    const ip = c.var.clientIp;
    const ipBlockedMs = failures.blockedFor(ip);
    if (ipBlockedMs > 0) throw blocked(ip, ipBlockedMs);
    const header = c.req.header('authorization');
    let identity: Identity;
    // A signed render URL carries its token as the last path segment (/v1/render/{token}).
    const linkToken =
      header === undefined ? (c.req.query('token') ?? /^\/v1\/render\/([\w.-]+)$/.exec(c.req.path)?.[1]) : undefined;
    if (linkToken !== undefined && options.linkToken) {
      const subject = linkSubject(linkToken);
      const linkBlockedMs = failures.blockedFor(subject);
      if (linkBlockedMs > 0) throw blocked(subject, linkBlockedMs);
      const grant = options.linkToken(linkToken, c.req.path);
      if (!grant) return refuse(subject, 'The link token is invalid, expired or not for this resource.');
      const { accountId } = grant;
      c.set('linkGrant', grant);
      // A link is limited like an anonymous caller: by address, under the anonymous plan.
      const plan = options.plans.anonymous!;
      identity = {
        kind: 'anonymous',
        ip,
        accountId,
        policy: { name: 'anonymous', rate: plan.rate, burst: plan.burst },
      };
    } else if (header === undefined) {
      // A key sent where we do not read it is a client's mistake to be told of, not an anonymous call.
      const misplaced = MISPLACED_KEY_HEADERS.find((name) => c.req.header(name) !== undefined);
      if (misplaced) return refuse(ip, `Send the key as Authorization: Bearer <api key>; ${misplaced} is not read.`);
      if (!options.anonymous) {
        throw new ApiProblem({
          code: 'unauthorized',
          detail: 'Send Authorization: Bearer <api key>.',
          headers: { 'WWW-Authenticate': 'Bearer realm="codes"' },
        });
      }
      const plan = options.plans.anonymous!;
      identity = {
        kind: 'anonymous',
        ip,
        accountId: anonymousAccountId(ip),
        policy: { name: 'anonymous', rate: plan.rate, burst: plan.burst },
        quota: anonymousQuota,
      };
    } else {
      const token = /^Bearer +(\S+)$/i.exec(header)?.[1];
      if (!token || !looksLikeApiKey(token)) return refuse(ip, 'The Authorization header must be "Bearer <api key>".');
      const key = await lookup(token);
      if (!key || key.revoked_at) return refuse(ip, 'The API key is unknown or revoked.');
      // An expired key (a rolled key past its grace period) is not a guess: a 401 that says so, uncounted,
      // so clients still holding it never get the address blocked for the keys that work.
      if (key.expires_at && key.expires_at.getTime() <= Date.now())
        throw new ApiProblem({
          code: 'unauthorized',
          detail: 'The API key has expired; use its successor.',
          headers: { 'WWW-Authenticate': 'Bearer realm="codes", error="invalid_token"' },
        });
      // A valid key of a suspended account: not a failed guess (no auth-failure count), a 403 it can act on.
      if (key.suspended_at) throw new ApiProblem({ code: 'account_suspended', detail: 'This account is suspended.' });
      const policy = policyFor(key);
      const quota = quotaOf(policy.name, key.monthly_quota ?? options.plans[policy.name]?.monthlyQuota);
      identity = { kind: 'key', keyId: key.id, accountId: key.account_id, policy, scope: key.scope, quota };
      noteUse(key.id);
    }
    c.set('identity', identity);
    c.set('accountId', identity.accountId);
    await next();
  };
}
