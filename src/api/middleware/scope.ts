import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

/**
 * What a `render`-scoped (publishable) key may do: render and read what it rendered — the requests a
 * page makes. Listing codes, batches, webhooks, keys, the account and usage need a `full` key.
 */
const RENDER_SCOPE: readonly { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/v1\/codes\/?$/ },
  { method: 'GET', path: /^\/v1\/codes\/[^/]+(\/content|\/events)?$/ },
  { method: 'GET', path: /^\/v1\/render(\/[^/]+)?$/ },
  { method: 'POST', path: /^\/v1\/render-urls$/ },
  { method: 'GET', path: /^\/v1\/symbologies$/ },
];

export function allowedForRenderScope(method: string, path: string): boolean {
  const asked = method === 'HEAD' ? 'GET' : method;
  return RENDER_SCOPE.some((rule) => rule.method === asked && rule.path.test(path));
}

/** Refuses a request the caller's key scope does not allow (403 insufficient_scope), before any body is read. */
export function enforceScope(): MiddlewareHandler<AppEnv> {
  return async function enforceScope(c, next) {
    const identity = c.var.identity;
    if (identity.kind === 'key' && identity.scope === 'render' && !allowedForRenderScope(c.req.method, c.req.path))
      throw new ApiProblem({
        code: 'insufficient_scope',
        detail: `A render-scoped key may render and read codes only; ${c.req.method} ${c.req.path} needs a full key.`,
      });
    await next();
  };
}
