import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { toBlockList } from '../../config.ts';
import type { AppEnv } from '../env.ts';

const UNKNOWN = '0.0.0.0';

function normalize(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return isIP(plain) ? plain : undefined;
}

const familyOf = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/**
 * Sets `c.var.clientIp` from the socket. X-Forwarded-For is believed only when the socket peer is a
 * trusted proxy, and then read from the right, skipping trusted hops, so a client cannot forge it.
 */
export function clientIp(options: { trustedProxies: readonly string[] }): MiddlewareHandler<AppEnv> {
  const trusted = toBlockList(options.trustedProxies);
  const isTrusted = (ip: string) => trusted.check(ip, familyOf(ip));
  return async function clientIp(c, next) {
    const socketIp =
      normalize((c.env as Partial<HttpBindings> | undefined)?.incoming?.socket?.remoteAddress) ?? UNKNOWN;
    let ip = socketIp;
    if (options.trustedProxies.length > 0 && isTrusted(socketIp)) {
      const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => normalize(h.trim()));
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i];
        if (!hop) break;
        ip = hop;
        if (!isTrusted(hop)) break;
      }
    }
    c.set('clientIp', ip);
    await next();
  };
}
