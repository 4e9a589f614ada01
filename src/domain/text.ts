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
 * Calls `visit` for every string in a parsed JSON value — object keys (`isKey`) and values, nested, in
 * arrays — with its dotted path from `path`, until `visit` returns false. Iterative: a 64 KB body can nest
 * 30,000 levels deep, past the call stack of a recursive walk.
 */
export function eachString(
  value: unknown,
  visit: (s: string, path: string, isKey: boolean) => boolean | void,
  path = '',
): void {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (typeof node === 'string') {
      if (visit(node, at, false) === false) return;
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], join(at, String(i))]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        const segment = join(at, printableKey(key));
        stack.push([item, segment]);
        if (visit(key, segment, true) === false) return;
      }
    }
  }
}

/**
 * Every string in a parsed JSON value (object keys and values, nested, in arrays) that is not storable
 * text, as field errors with dotted paths from `path`. At most `max` errors (a hostile body may hold many).
 */
export function findTextFaults(value: unknown, path = '', max = 20): FieldError[] {
  const errors: FieldError[] = [];
  eachString(
    value,
    (s, at, isKey) => {
      const fault = textFault(s);
      if (fault) errors.push({ path: at, message: isKey ? `the key ${fault}` : fault });
      return errors.length < max;
    },
    path,
  );
  return errors;
}
