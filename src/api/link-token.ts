import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a link token grants: one scope (e.g. `events`) on one resource of one account, until `expires` (unix s). */
export type LinkGrant = { scope: string; accountId: string; resource: string; expires: number };

const mac = (key: string, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

/** Signs a grant into a URL-safe token: base64url(JSON) + '.' + HMAC-SHA256 (LINK_SIGNING_KEY). */
export function signLinkToken(key: string, grant: LinkGrant): string {
  const payload = Buffer.from(JSON.stringify([grant.scope, grant.accountId, grant.resource, grant.expires])).toString(
    'base64url',
  );
  return `${payload}.${mac(key, payload)}`;
}

/** The grant a token carries if its signature holds and it has not expired at `nowSeconds`; undefined otherwise. */
export function verifyLinkToken(key: string, token: string, nowSeconds: number): LinkGrant | undefined {
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0 || !payload || !signature) return undefined;
  const expected = Buffer.from(mac(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const [scope, accountId, resource, expires] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    if (
      typeof scope !== 'string' ||
      typeof accountId !== 'string' ||
      typeof resource !== 'string' ||
      typeof expires !== 'number'
    )
      return undefined;
    return expires > nowSeconds ? { scope, accountId, resource, expires } : undefined;
  } catch {
    return undefined;
  }
}
