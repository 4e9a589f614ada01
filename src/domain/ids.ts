import { randomBytesPooled } from './random.ts';

export const ID_PREFIXES = ['code', 'batch', 'whep', 'acct', 'key', 'req'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

// Crockford base32: ids sort lexicographically in creation order (48-bit ms time, then 80 random bits).
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

let lastTime = 0;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function nextRandom(now: number): number[] {
  if (now === lastTime) {
    // Same millisecond: increment so ids from one process stay strictly increasing.
    const digits = [...lastRandom];
    for (let i = digits.length - 1; i >= 0; i--) {
      digits[i] = (digits[i]! + 1) % 32;
      if (digits[i] !== 0) break;
    }
    return digits;
  }
  return [...randomBytesPooled(RANDOM_CHARS)].map((b) => b % 32);
}

/** A new prefixed, time-sortable id such as `code_01jd8x…`. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  const time = Math.max(now, lastTime);
  lastRandom = nextRandom(time);
  lastTime = time;
  return `${prefix}_${encodeTime(time)}${lastRandom.map((d) => ALPHABET[d]).join('')}`;
}

/** True when `value` has the shape of an id with this prefix (cheap check before touching the database). */
export function isId(prefix: IdPrefix, value: string): boolean {
  return (
    value.length === prefix.length + 1 + TIME_CHARS + RANDOM_CHARS &&
    value.startsWith(`${prefix}_`) &&
    /^[0-9a-hjkmnp-tv-z]+$/.test(value.slice(prefix.length + 1))
  );
}

// Events and webhook deliveries get their ids in SQL: evt_ + writing transaction + sequence (migration
// 0007, so the pull feed can page by id), msg_ + the event's digits + endpoint or target (store/events.ts).
export const isEventId = (s: string) => /^evt_\d{26}$/.test(s);
export const isDeliveryId = (s: string) => /^msg_\d{26}_[a-z0-9]+$/.test(s) && s.length <= 64;
