// What every console response and every state-changing console request goes through.
import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { toBlockList } from '../config.ts';
import type { ConsoleEnv } from './env.ts';
import { sameToken, type SessionStore } from './session.ts';

/** No inline script or style, nothing from another origin, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Security headers on every console response (pages are per user: never cached by anyone). */
export function consoleHeaders(): MiddlewareHandler<ConsoleEnv> {
  return async function consoleHeaders(c, next) {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

/** Whether the browser reached us over https: directly, or as X-Forwarded-Proto says from a trusted proxy. */
export function secureRequests(trustedProxies: readonly string[]): (c: Context) => boolean {
  const trusted = toBlockList(trustedProxies);
  return (c) => {
    if (new URL(c.req.url).protocol === 'https:') return true;
    const raw = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket?.remoteAddress ?? '';
    const peer = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
    if (!isIP(peer) || trustedProxies.length === 0 || !trusted.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4'))
      return false;
    return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses (403) a state-changing request from another site: an Origin (or, without one, a
 * Sec-Fetch-Site) that is not ours. SameSite=Strict already keeps the cookie off cross-site requests;
 * this and the CSRF token are the second and third locks.
 */
export function sameOrigin(isSecure: (c: Context) => boolean): MiddlewareHandler<ConsoleEnv> {
  return async function sameOrigin(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    const own = `${isSecure(c) ? 'https' : 'http'}://${c.req.header('host') ?? new URL(c.req.url).host}`;
    const site = c.req.header('sec-fetch-site');
    if ((origin && origin !== own) || (!origin && site && site !== 'same-origin' && site !== 'none'))
      return c.text('Cross-site request refused', 403);
    return next();
  };
}

/** Pages need a session: a browser without one is sent to sign in (a script's request gets 401). */
export function requireSession(sessions: SessionStore): MiddlewareHandler<ConsoleEnv> {
  return async function requireSession(c, next) {
    const session = await sessions.read(c);
    if (!session) {
      if (SAFE_METHODS.has(c.req.method) && !c.req.header('x-csrf-token'))
        return c.redirect(`/console/sign-in?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
      return c.text('Sign in first', 401);
    }
    c.set('session', session);
    if (!SAFE_METHODS.has(c.req.method)) {
      const type = c.req.header('content-type') ?? '';
      const field = /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(type)
        ? (await c.req.parseBody())._csrf
        : undefined;
      const token = c.req.header('x-csrf-token') ?? (typeof field === 'string' ? field : undefined);
      if (!sameToken(token, session.csrf)) return c.text('Missing or wrong CSRF token', 403);
    }
    return next();
  };
}
