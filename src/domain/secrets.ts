import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { randomBytesPooled } from './random.ts';

export const API_KEY_PREFIX = 'ck_live_';
/** Characters of a key kept in clear (prefix + a few) so operators can tell keys apart. */
const VISIBLE_CHARS = API_KEY_PREFIX.length + 6;

/** A new API key: `ck_live_` + 192 random bits in base64url. Shown once, stored only as its hash. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** The stored form of a key: lookups compare hashes, so timing reveals nothing about the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The part of a key safe to show in listings. */
export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_CHARS);
}

/** Whether a presented bearer token has the shape of one of our keys (rejects junk before any lookup). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX) && /^[A-Za-z0-9_-]{32}$/.test(token.slice(API_KEY_PREFIX.length));
}

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

// A process has a key or two (SECRETS_KEY, LINK_SIGNING_KEY's); deriving each once keeps a hash off every use,
// and a KeyObject, not the raw bytes, keeps createCipheriv from wrapping the key anew on every call (which
// cost as much as the sealing itself: every code the API answers carries a sealed link token).
const derived = new Map<string, KeyObject>();
function keyOf(secretsKey: string): KeyObject {
  let key = derived.get(secretsKey);
  if (!key) {
    if (derived.size >= 16) derived.clear();
    derived.set(secretsKey, (key = createSecretKey(createHash('sha256').update(secretsKey).digest())));
  }
  return key;
}

/** Encrypts a secret for storage (AES-256-GCM under the server's secrets key): iv.tag.ciphertext. */
export function sealSecret(plain: string, secretsKey: string): string {
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretsKey), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** Decrypts what sealSecret produced; throws if it was tampered with or the key differs. */
export function openSecret(sealed: string, secretsKey: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) throw new Error('malformed sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(secretsKey), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
