import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { coerceCell } from '../../batches/fields.ts';
import { isTerminal } from '../../domain/code.ts';
import { findCodeById } from '../../store/codes.ts';
import { accountContentKey } from '../../render/content-key.ts';
import { findResultContent } from '../../store/results.ts';
import { readJsonObject } from '../body.ts';
import { awaitFinished, codeStatusHubOf, holdWait } from '../code-status.ts';
import { imageResponse, loadContent, type Content } from '../content.ts';
import type { ApiDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { signLinkToken, verifyLinkToken } from '../link-token.ts';
import { planOf, renderPolicyOf } from '../plan.ts';
import { accountPreflight } from '../preflight.ts';
import { ApiProblem, fieldErrors, validationProblem } from '../problem.ts';
import { renderUrlRequestSchema } from '../../domain/requests.ts';
import { createCodeIntake, parseSubmission } from './codes.ts';

/**
 * GET /v1/render?…: the image itself, for <img src>. From the content cache when these parameters
 * were rendered before; otherwise a code is recorded and queued like any interactive submission
 * (ahead of batch rows) and awaited on its status channel for up to RENDER_WAIT_SECONDS.
 * GET /v1/render/{token}: the same for parameters signed by POST /v1/render-urls (no key in the page).
 */
export function renderRoutes(deps: ApiDeps) {
  const { config } = deps;
  const submit = createCodeIntake(deps);
  const hub = codeStatusHubOf(deps);
  const ttlSchema = renderUrlRequestSchema(config.renderUrlMaxTtlSeconds).pipe[0].entries.ttl_seconds;
  const image = (c: Context, content: Content) => imageResponse(c, content, 'private, max-age=86400');

  async function renderImage(c: Context<AppEnv>, fields: Record<string, unknown>) {
    const policy = renderPolicyOf(config, planOf(config, c.var.identity));
    const { spec, key: specKey } = await parseSubmission(
      fields,
      deps,
      policy,
      accountPreflight(deps, c.var.accountId),
      [],
    );
    const accountId = c.var.accountId;
    // The account's own cache only: another account's render of the same parameters answers as a miss.
    const key = accountContentKey(accountId, specKey);
    const cached = await findResultContent(deps.db, key);
    if (cached) return image(c, cached);
    const written = await submit(c, spec, key);
    const row = isTerminal(written.status)
      ? (await findCodeById(deps.db, accountId, written.id))!
      : await awaitOwnShare(accountId, written.id);
    if (row.status === 'succeeded') return image(c, await loadContent(deps.db, row));
    if (isTerminal(row.status))
      throw new ApiProblem({
        code: 'render_failed',
        detail: row.error?.message ?? `The code is ${row.status}`,
        extra: { code_id: row.id },
      });
    throw new ApiProblem({
      code: 'render_pending',
      detail: `Still rendering as ${row.id}`,
      headers: { 'Retry-After': String(config.retryAfterSeconds), Location: `/v1/codes/${row.id}` },
      extra: { code_id: row.id },
    });
  }

  /** Waits for the render within the account's share of waiting requests; past it, as it is now (→ 503 render_pending). */
  async function awaitOwnShare(accountId: string, id: string) {
    const release = holdWait(deps, accountId);
    if (!release) return (await findCodeById(deps.db, accountId, id))!;
    try {
      return await awaitFinished(deps, hub(), accountId, id, config.renderWaitSeconds * 1000);
    } finally {
      release();
    }
  }

  const queryFields = (query: Record<string, string>) =>
    Object.fromEntries(Object.entries(query).map(([k, value]) => [k, coerceCell(k, value)]));

  return new Hono<AppEnv>()
    .get('/render', (c) => renderImage(c, queryFields(c.req.query())))
    .get('/render/:token', async (c) => {
      // authenticate verified the token already, unless the caller also sent its API key.
      const grant =
        c.var.linkGrant ?? verifyLinkToken(config.linkSigningKey, c.req.param('token'), Math.floor(Date.now() / 1000));
      if (grant?.scope !== 'render')
        throw new ApiProblem({ code: 'not_found', detail: 'This render URL is invalid or has expired.' });
      return renderImage(c, JSON.parse(grant.resource) as Record<string, unknown>);
    })
    .post('/render-urls', async (c) => {
      const { ttl_seconds, ...fields } = await readJsonObject(c);
      const ttl = v.safeParse(ttlSchema, ttl_seconds);
      if (!ttl.success) throw validationProblem(fieldErrors(ttl.issues, 'ttl_seconds'));
      // Refuse now what would fail on every view.
      await parseSubmission(
        fields,
        deps,
        renderPolicyOf(config, planOf(config, c.var.identity)),
        accountPreflight(deps, c.var.accountId),
        [],
      );
      const expires = Math.floor(Date.now() / 1000) + ttl.output;
      const token = signLinkToken(config.linkSigningKey, {
        scope: 'render',
        accountId: c.var.accountId,
        resource: JSON.stringify(fields),
        expires,
      });
      return c.json(
        { object: 'render_url', url: `/v1/render/${token}`, expires_at: new Date(expires * 1000).toISOString() },
        201,
      );
    });
}
