// Console sessions: a random session id in an HttpOnly, SameSite=Strict, HMAC-signed cookie; the API key
// it stands for lives only in Redis, sealed with AES-GCM, so neither page scripts nor the cookie hold it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { Redis } from 'ioredis';
import { openSecret, sealSecret } from '../domain/secrets.ts';

export const SESSION_COOKIE = 'console_session';
/** The pre-session token of the sign-in form (double submit: cookie and form field must match). */
export const SIGN_IN_COOKIE = 'console_sign_in';
export const COOKIE_PATH = '/console';

/** What a signed-in browser's session holds. */
export type Session = { id: string; key: string; csrf: string };

export type SessionStore = {
  create: (c: Context, key: string) => Promise<Session>;
  read: (c: Context) => Promise<Session | undefined>;
  destroy: (c: Context) => Promise<void>;
  /** Sets the sign-in form's token cookie and returns the token to put in the form. */
  signInToken: (c: Context) => Promise<string>;
  /** Whether the sign-in form's field matches its cookie. */
  checkSignInToken: (c: Context, field: string | undefined) => Promise<boolean>;
};

/** A key for one purpose, derived from SECRETS_KEY (so rotating it signs everyone out). */
const derive = (secretsKey: string, purpose: string) =>
  createHmac('sha256', secretsKey).update(`console:${purpose}`).digest('base64url');

/** Compares two tokens in constant time. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sessions in Redis under `<prefix>:console:session:<id>`, expiring after `ttlSeconds`. */
export function createSessionStore(options: {
  redis: Redis;
  prefix: string;
  secretsKey: string;
  ttlSeconds: number;
  /** Whether this request came over https (then the cookies are Secure). */
  isSecure: (c: Context) => boolean;
}): SessionStore {
  const { redis, ttlSeconds } = options;
  const cookieKey = derive(options.secretsKey, 'cookie');
  const sealKey = derive(options.secretsKey, 'seal');
  const redisKey = (id: string) => `${options.prefix}:console:session:${id}`;
  const cookieOptions = (c: Context, maxAge: number) =>
    ({
      path: COOKIE_PATH,
      httpOnly: true,
      sameSite: 'Strict',
      secure: options.isSecure(c),
      maxAge,
    }) as const;

  return {
    async create(c, key) {
      const session = { id: randomBytes(24).toString('base64url'), key, csrf: randomBytes(24).toString('base64url') };
      const sealed = sealSecret(JSON.stringify({ key, csrf: session.csrf }), sealKey);
      await redis.set(redisKey(session.id), sealed, 'EX', ttlSeconds);
      await setSignedCookie(c, SESSION_COOKIE, session.id, cookieKey, cookieOptions(c, ttlSeconds));
      deleteCookie(c, SIGN_IN_COOKIE, { path: COOKIE_PATH });
      return session;
    },
    async read(c) {
      const id = await getSignedCookie(c, cookieKey, SESSION_COOKIE);
      if (!id) return undefined;
      const sealed = await redis.get(redisKey(id));
      if (!sealed) return undefined;
      try {
        const { key, csrf } = JSON.parse(openSecret(sealed, sealKey)) as { key: string; csrf: string };
        return { id, key, csrf };
      } catch {
        return undefined; // sealed under another SECRETS_KEY
      }
    },
    async destroy(c) {
      const id = await getSignedCookie(c, cookieKey, SESSION_COOKIE);
      if (id) await redis.del(redisKey(id));
      deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: options.isSecure(c) });
    },
    async signInToken(c) {
      const existing = await getSignedCookie(c, cookieKey, SIGN_IN_COOKIE);
      if (existing) return existing;
      const token = randomBytes(24).toString('base64url');
      await setSignedCookie(c, SIGN_IN_COOKIE, token, cookieKey, cookieOptions(c, 3600));
      return token;
    },
    async checkSignInToken(c, field) {
      const token = await getSignedCookie(c, cookieKey, SIGN_IN_COOKIE);
      return typeof token === 'string' && sameToken(field, token);
    },
  };
}
