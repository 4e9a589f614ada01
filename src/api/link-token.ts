import { openSecret, sealSecret } from '../domain/secrets.ts';

/** What a link token grants: one scope (e.g. `events`) on one resource of one account, until `expires` (unix s). */
export type LinkGrant = { scope: string; accountId: string; resource: string; expires: number };

// Its own key, derived from LINK_SIGNING_KEY under a label, so a token never opens as a stored secret.
const linkKey = (key: string) => `link-token\u0000${key}`;

/**
 * Seals a grant into an opaque, URL-safe token (AES-256-GCM under a key derived from LINK_SIGNING_KEY,
 * `iv.tag.ciphertext` in base64url): whoever holds the URL reads neither the account id nor the
 * render parameters, and cannot change them without the key (the tag fails).
 */
export function signLinkToken(key: string, grant: LinkGrant): string {
  return sealSecret(JSON.stringify([grant.scope, grant.accountId, grant.resource, grant.expires]), linkKey(key));
}

/** The grant a token carries if it opens under the key and has not expired at `nowSeconds`; undefined otherwise. */
export function verifyLinkToken(key: string, token: string, nowSeconds: number): LinkGrant | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[\w-]+$/.test(part))) return undefined;
  try {
    const [scope, accountId, resource, expires] = JSON.parse(openSecret(token, linkKey(key))) as unknown[];
    if (
      typeof scope !== 'string' ||
      typeof accountId !== 'string' ||
      typeof resource !== 'string' ||
      typeof expires !== 'number'
    )
      return undefined;
    return expires > nowSeconds ? { scope, accountId, resource, expires } : undefined;
  } catch {
    return undefined; // another key, a changed byte, a pre-sealing (readable) token, or junk
  }
}
