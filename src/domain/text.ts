// Text checked as text at the edge: PostgreSQL's text and jsonb refuse U+0000, and a lone surrogate
// is not a character at all (it cannot be encoded as UTF-8). Either one reaching an insert fails the
// statement, and with it every submission micro-batched into the same statement.
import type { FieldError } from './problems.ts';

/** Why a string is not storable text, or undefined when it is. */
export function textFault(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (!s.isWellFormed()) return 'must not contain a lone surrogate (not a Unicode character)';
  return undefined;
}

/** A key as a path segment anyone can read: NUL and lone surrogates shown as \uXXXX escapes. */
export function printableKey(key: string): string {
  return textFault(key) === undefined
    ? key
    : Array.from(key, (ch) => {
        const code = ch.codePointAt(0)!;
        return code === 0 || (code >= 0xd800 && code <= 0xdfff) ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }).join('');
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Every string in a parsed JSON value (object keys and values, nested, in arrays) that is not storable
 * text, as field errors with dotted paths from `path`. At most `max` errors (a hostile body may hold many).
 */
export function findTextFaults(value: unknown, path = '', max = 20): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (node: unknown, at: string) => {
    if (errors.length >= max) return;
    if (typeof node === 'string') {
      const fault = textFault(node);
      if (fault) errors.push({ path: at, message: fault });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, join(at, String(i))));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const keyFault = textFault(key);
        const segment = join(at, printableKey(key));
        if (keyFault) errors.push({ path: segment, message: `the key ${keyFault}` });
        walk(item, segment);
        if (errors.length >= max) return;
      }
    }
  };
  walk(value, path);
  return errors.slice(0, max);
}
