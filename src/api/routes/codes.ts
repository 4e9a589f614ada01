import { Hono, type Context } from 'hono';
import type { RenderSpec } from '../../domain/render-spec.ts';
import * as v from 'valibot';
import { CODE_STATUSES, isTerminal } from '../../domain/code.ts';
import { publishCodeStatus } from '../../queue/code-status.ts';
import { awaitFinished, codeStatusHubOf, holdWait, preferredWait } from '../code-status.ts';
import { isId, newId } from '../../domain/ids.ts';
import { enqueueRenders, planRenderJobs } from '../../queue/producer.ts';
import type { RenderPolicy } from '../../domain/render-spec.ts';
import { accountContentKey } from '../../render/content-key.ts';
import { checkSubmission, type RunPreflight, type Submission } from '../../render/submission.ts';
import { CODE_EXTRA_FIELDS } from '../../domain/requests.ts';
import { accountPreflight } from '../preflight.ts';
import { planOf, renderPolicyOf } from '../plan.ts';
import {
  cancelCode,
  deleteCodes,
  findCodeById,
  insertSubmissions,
  listCodes,
  type CodeSubmissionRow,
  type CodeWithResult,
} from '../../store/codes.ts';
import { readJsonObject } from '../body.ts';
import { chargeQuota, specCharge, withRefund } from '../quota.ts';
import { signLinkToken } from '../link-token.ts';
import { codeHeaders, toCodeObject } from '../code-object.ts';
import { imageResponse, loadContent } from '../content.ts';
import type { AppEnv } from '../env.ts';
import { apiKeyRequired } from '../middleware/anonymous-scope.ts';
import { idempotency } from '../middleware/idempotency.ts';
import { createMicroBatcher } from '../../limits/micro-batch.ts';
import { ApiProblem, fieldErrors, isUnavailableError, validationProblem } from '../problem.ts';
import { checkWebhookFields } from '../webhook-target.ts';
import { limitQuery } from '../list-query.ts';
import type { ApiDeps } from '../deps.ts';

export function listQuerySchema(defaultLimit: number, maxLimit: number) {
  return v.strictObject({
    status: v.optional(v.pipe(v.picklist(CODE_STATUSES), v.description('Only codes in this status.'))),
    batch_id: v.optional(
      v.pipe(
        v.string(),
        v.check((s) => isId('batch', s), 'must be a batch id'),
        v.description("Only this batch's codes. Checked by the server: a batch id."),
      ),
    ),
    cursor: v.optional(
      v.pipe(
        v.string(),
        v.check((s) => isId('code', decodeCursor(s)), 'is not a cursor from this API'),
        v.description('next_cursor of the previous page. Checked by the server: a cursor this API gave.'),
      ),
    ),
    limit: limitQuery(defaultLimit, maxLimit),
  });
}

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString();

/** Validates a submission body (the one submission check; by default POST /v1/codes's fields); a 422 listing every bad field. */
export async function parseSubmission(
  body: Record<string, unknown>,
  deps: Pick<ApiDeps, 'config'>,
  policy: RenderPolicy,
  runPreflight: RunPreflight,
  extra: readonly string[] = CODE_EXTRA_FIELDS,
): Promise<Submission> {
  const { metadataMaxKeys: maxKeys, metadataMaxValueLength: maxValueLength } = deps.config;
  const checked = await checkSubmission(body, { policy, limits: { maxKeys, maxValueLength }, extra, runPreflight });
  if (!checked.ok) throw validationProblem(checked.errors);
  return checked;
}

async function findOwnCode(deps: ApiDeps, accountId: string, id: string): Promise<CodeWithResult> {
  const row = isId('code', id) ? await findCodeById(deps.db, accountId, id) : undefined;
  if (!row) throw new ApiProblem({ code: 'not_found', detail: `No code ${id}` });
  return row;
}

/** /v1/codes: submit, read, list, cancel and download codes. */
export function codesRoutes(deps: ApiDeps) {
  const listQuery = listQuerySchema(deps.config.listDefaultLimit, deps.config.listMaxLimit);
  const retryAfter = deps.config.retryAfterSeconds;
  const submit = createCodeIntake(deps);
  const statusHub = codeStatusHubOf(deps);
  const { linkSigningKey, eventsTokenTtlSeconds } = deps.config;
  /** The code object with links.events carrying a short-lived token, for EventSource in a browser. */
  const present = (row: CodeWithResult) => {
    const expires = Math.floor(Date.now() / 1000) + eventsTokenTtlSeconds;
    const token = signLinkToken(linkSigningKey, {
      scope: 'events',
      accountId: row.account_id,
      resource: row.id,
      expires,
    });
    return toCodeObject(row, { events: `/v1/codes/${row.id}/events?token=${token}` });
  };

  return new Hono<AppEnv>()
    .post('/', idempotency({ db: deps.db, ttlHours: deps.config.idempotencyTtlHours }), async (c) => {
      const policy = renderPolicyOf(deps.config, planOf(deps.config, c.var.identity));
      const body = await readJsonObject(c);
      // No webhooks without a key: an anonymous account has no secret to sign with and no one to own them.
      if (c.var.identity.kind === 'anonymous')
        for (const field of ['webhook_url', 'webhook_events'])
          if (body[field] !== undefined && body[field] !== null) throw apiKeyRequired(`A ${field}`, field);
      const webhook = await checkWebhookFields(
        deps.config,
        { url: body.webhook_url, events: body.webhook_events },
        { url: 'webhook_url', events: 'webhook_events' },
      );
      let submission: Submission;
      try {
        submission = await parseSubmission(body, deps, policy, accountPreflight(deps, c.var.accountId));
      } catch (error) {
        // One 422 lists every bad field, the webhook's with the rest.
        if (error instanceof ApiProblem && error.init.errors && webhook.errors.length > 0)
          throw validationProblem([...error.init.errors, ...webhook.errors]);
        throw error;
      }
      if (webhook.errors.length > 0) throw validationProblem(webhook.errors);
      const { spec, key, metadata } = submission;
      const accountId = c.var.accountId;
      const written = await submit(c, spec, accountContentKey(accountId, key), {
        metadata: JSON.stringify(metadata),
        webhook_url: webhook.url,
        webhook_events: webhook.events && JSON.stringify(webhook.events),
      });
      const id = written.id;
      const asked = preferredWait(c.req.header('prefer'), deps.config.preferWaitMaxSeconds);
      const wantsWait = asked !== undefined && asked > 0 && !isTerminal(written.status);
      // A wait holds a slot of the account's share (WAIT_MAX_PER_ACCOUNT); past it the preference is
      // not applied and the answer is the usual 202 at once.
      const release = wantsWait ? holdWait(deps, accountId) : undefined;
      const wait = wantsWait && !release ? undefined : asked;
      // The row as written (the intake path reads nothing back); with Prefer: wait, as it is once
      // finished or at the deadline; otherwise read back (a content-cache hit has its result).
      const row = await (async () => {
        try {
          if (release) return await awaitFinished(deps, statusHub(), accountId, id, asked! * 1000);
          return wait === undefined && written.status === 'queued'
            ? { ...written, result: null }
            : (await findCodeById(deps.db, accountId, id))!;
        } finally {
          release?.();
        }
      })();
      const headers: Record<string, string> = { Location: `/v1/codes/${id}`, ...codeHeaders(row, retryAfter) };
      if (wait !== undefined) headers['Preference-Applied'] = `wait=${wait}`;
      return c.json(present(row), wait !== undefined && isTerminal(row.status) ? 200 : 202, headers);
    })
    .get('/', async (c) => {
      const query = v.safeParse(listQuery, c.req.query());
      if (!query.success) throw validationProblem(fieldErrors(query.issues));
      const { status, batch_id, cursor, limit } = query.output;
      const rows = await listCodes(deps.db, c.var.accountId, {
        status,
        batchId: batch_id,
        before: cursor && decodeCursor(cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json({
        object: 'list',
        data: page.map((row) => present(row)),
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      });
    })
    .get('/:id', async (c) => {
      const row = await findOwnCode(deps, c.var.accountId, c.req.param('id'));
      return c.json(present(row), 200, codeHeaders(row, retryAfter));
    })
    .get('/:id/content', async (c) => {
      const row = await findOwnCode(deps, c.var.accountId, c.req.param('id'));
      if (row.status === 'queued' || row.status === 'processing') {
        throw new ApiProblem({
          code: 'code_not_ready',
          detail: `Code ${row.id} is ${row.status}`,
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
      if (row.status !== 'succeeded') {
        throw new ApiProblem({ code: 'code_not_succeeded', detail: `Code ${row.id} is ${row.status}` });
      }
      return imageResponse(c, await loadContent(deps.db, row), 'private, max-age=31536000, immutable');
    })
    .post('/:id/cancel', async (c) => {
      const accountId = c.var.accountId;
      const existing = await findOwnCode(deps, accountId, c.req.param('id'));
      if (await cancelCode(deps.db, accountId, existing.id)) {
        // Best effort: a job already taken by a worker sees the canceled row and stops there. A job shared
        // with other codes stays: its worker skips this one.
        if (!existing.render_job) await deps.queues.render.remove(existing.id).catch(() => 0);
        await publishCodeStatus(deps.redis, deps.config.queuePrefix, existing.id, 'canceled').catch(() => 0);
      }
      const row = (await findCodeById(deps.db, accountId, existing.id))!;
      return c.json(present(row), 200);
    });
}

/**
 * Takes one code of the caller's: charged against its monthly quota (given back if it is not accepted),
 * then recorded and queued by the shared submitter. POST /v1/codes and GET /v1/render both come here.
 */
export function createCodeIntake(deps: ApiDeps) {
  const submit = createSubmitter(deps);
  return async (
    c: Context<AppEnv>,
    spec: RenderSpec,
    resultKey: string,
    extra: Pick<CodeSubmissionRow, 'metadata' | 'webhook_url' | 'webhook_events'> = { metadata: '{}' },
  ) => {
    const charge = await chargeQuota(c, deps, specCharge(deps.config, c, [spec]));
    return withRefund(charge, () =>
      submit({
        id: newId('code'),
        account_id: c.var.accountId,
        symbology: spec.symbology,
        data: spec.data,
        format: spec.format,
        options: JSON.stringify(spec.options),
        result_key: resultKey,
        request_id: c.var.requestId,
        ...extra,
      }),
    );
  };
}

/**
 * Records submissions and enqueues their renders, many requests per round trip. If Redis refuses,
 * the rows are withdrawn and the error rethrown (→ 503): a submission is either accepted and
 * queued, or not accepted at all.
 */
export function createSubmitter(deps: ApiDeps) {
  return createMicroBatcher(
    async (rows: CodeSubmissionRow[]) => {
      // The requests that arrive together share render jobs (RENDER_JOB_CODES codes each).
      const written = await insertSubmissions(deps.db, planRenderJobs(rows, deps.config.renderJobCodes));
      try {
        await enqueueRenders(
          deps.queues,
          written.filter((row) => row.status === 'queued'),
        );
      } catch (error) {
        await deleteCodes(
          deps.db,
          written.map((row) => row.id),
        );
        throw error;
      }
      return written;
    },
    // A statement refused for one row's content (a value PostgreSQL will not store) fails that row
    // alone: its neighbours are inserted one by one. An outage fails them all at once, without retries.
    // Under steady traffic a flush waits a moment to fill a render job: per code, a job and its claim and
    // completion statements cost the workers and PostgreSQL less the more codes share them.
    {
      maxBatch: deps.config.submitBatchMax,
      isolate: (error) => !isUnavailableError(error),
      linger: { ms: deps.config.submitLingerMs, full: deps.config.renderJobCodes },
    },
  );
}
