import type { MiddlewareHandler } from 'hono';
import type { FieldError } from '../../domain/problems.ts';
import { printableKey, textFault } from '../../domain/text.ts';
import type { AppEnv } from '../env.ts';
import { validationProblem } from '../problem.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A query component decoded strictly: undefined when its %-escapes are not UTF-8. */
function decodeComponent(raw: string): string | undefined {
  const plus = raw.replaceAll('+', ' ');
  if (!plus.includes('%')) return plus;
  const bytes: number[] = [];
  for (let i = 0; i < plus.length;) {
    if (plus[i] === '%' && /^[0-9a-f]{2}$/i.test(plus.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const code = plus.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(code)));
      i += code > 0xffff ? 2 : 1;
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/**
 * Every query string's names and values are text: a %00, or %-escapes that are not UTF-8 (Hono would
 * pass them on as literal "%FF"), are a 422 naming `query.<name>` before any handler reads them.
 */
export function queryText(): MiddlewareHandler<AppEnv> {
  return async function queryText(c, next) {
    const url = c.req.url;
    const start = url.indexOf('?');
    if (start >= 0) {
      const errors: FieldError[] = [];
      const end = url.indexOf('#', start);
      for (const pair of url.slice(start + 1, end < 0 ? undefined : end).split('&')) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
        const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
        const path = `query.${name === undefined ? pair.slice(0, eq < 0 ? undefined : eq) : printableKey(name)}`;
        if (name === undefined || value === undefined) errors.push({ path, message: 'is not valid UTF-8' });
        else {
          const fault = textFault(name) ?? textFault(value);
          if (fault) errors.push({ path, message: fault });
        }
        if (errors.length >= 20) break;
      }
      if (errors.length > 0) throw validationProblem(errors);
    }
    await next();
  };
}
