import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';
import { allowedForRenderScope } from './scope.ts';

// What a caller without a key may do is what a render-scoped key may do: render, and read what it
// rendered by id (allowedForRenderScope, one list). Everyone behind one address (an office's NAT, a
// mobile carrier's) shares one anonymous account, so nothing that lists, changes or acts on that
// account's codes is open to them. A route not in that list needs a key.

/** Whether an anonymous caller may make this request (method and path). */
export const anonymousMayCall = allowedForRenderScope;

/** The 403 an anonymous caller gets for what needs a key (`what` names it). */
export function apiKeyRequired(what: string, path?: string): ApiProblem {
  const detail = `${what} needs an API key (Authorization: Bearer <key>); without one you may only render and read codes by id.`;
  return new ApiProblem({
    code: 'api_key_required',
    detail,
    ...(path === undefined ? {} : { errors: [{ path, message: 'needs an API key' }] }),
  });
}

/**
 * Refuses anonymous callers everything a render-scoped key may not do with a 403 `api_key_required`
 * (listing, cancelling, batches, webhooks, the event feed). A signed link (render or events token)
 * is already limited to its one resource by authenticate.
 */
export function anonymousScope(): MiddlewareHandler<AppEnv> {
  return async function anonymousScope(c, next) {
    if (c.var.identity.kind === 'anonymous' && !c.var.linkGrant && !anonymousMayCall(c.req.method, c.req.path))
      throw apiKeyRequired(`${c.req.method} ${c.req.path}`);
    await next();
  };
}
