import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { toPullStream, zipStream, type ZipEntry } from '../../batches/archive.ts';
import { coerceCell, isKnownField, splitRow } from '../../batches/fields.ts';
import { BATCH_WEBHOOK_DEFAULT_EVENTS } from '../../domain/events.ts';
import { entryName, createNameRegistry } from '../../batches/filenames.ts';
import { csvLine, MANIFEST_COLUMNS } from '../../batches/manifest.ts';
import { BatchFileError, parseBatch, type BatchSourceType, type ParsedRow } from '../../batches/parse.ts';
import { spoolRows, type Spool } from '../../batches/spool.ts';
import { FILE_EXTENSIONS, type Format } from '../../domain/formats.ts';
import { isId, newId } from '../../domain/ids.ts';
import type { FieldError } from '../../domain/problems.ts';
import { enqueueBatchExpansion, enqueueRenders } from '../../queue/producer.ts';
import { DEFAULT_POLICY, type RenderPolicy } from '../../domain/render-spec.ts';
import { checkRenderFields, checkSubmission, type RunPreflight } from '../../render/submission.ts';
import { accountPreflight } from '../preflight.ts';
import { logoSvgLimits, planOf, renderPolicyOf } from '../plan.ts';
import {
  batchManifestPage,
  cancelBatch,
  countActiveBatches,
  deleteBatch,
  findBatch,
  insertBatchRows,
  insertBatchWithinLimit,
  listBatches,
  retryBatch,
  setBatchTotal,
  type BatchWithCounts,
  type UploadedRow,
  type BATCH_STATUSES,
} from '../../store/batches.ts';
import { findResultBytes } from '../../store/results.ts';
import type { ApiDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { idempotency } from '../middleware/idempotency.ts';
import { checkWebhookFields } from '../webhook-target.ts';
import { limitQuery } from '../list-query.ts';
import { ApiProblem, fieldErrors, validationProblem } from '../problem.ts';
import { chargeQuota, createRowTally, type Charge } from '../quota.ts';

const SOURCE_TYPES: Record<string, BatchSourceType> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
};
const CONTROL_PARAMS = new Set(['validate_only', 'webhook_url', 'webhook_events']);
const MANIFEST_PAGE = 200;
type BatchStatus = (typeof BATCH_STATUSES)[number];

export const ListQuery = v.strictObject({
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.check((s) => isId('batch', Buffer.from(s, 'base64url').toString()), 'is not a cursor from this API'),
      v.description('next_cursor of the previous page. Checked by the server: a cursor this API gave.'),
    ),
  ),
  limit: limitQuery(20, 100),
});

/** The public batch object. */
export function toBatchObject(batch: BatchWithCounts) {
  const path = `/v1/batches/${batch.id}`;
  const started = batch.counts.processing + batch.counts.succeeded + batch.counts.failed + batch.counts.canceled > 0;
  return {
    id: batch.id,
    object: 'batch' as const,
    status: (batch.status === 'queued' && started ? 'processing' : batch.status) satisfies BatchStatus,
    counts: batch.counts,
    invalid_rows: batch.invalid,
    defaults: batch.defaults,
    error: batch.error,
    webhook_url: batch.webhook_url ?? null,
    webhook_events: batch.webhook_url ? (batch.webhook_events ?? BATCH_WEBHOOK_DEFAULT_EVENTS) : null,
    created_at: batch.created_at.toISOString(),
    expanded_at: batch.expanded_at?.toISOString() ?? null,
    completed_at: batch.completed_at?.toISOString() ?? null,
    links: { self: path, results: `${path}/results.zip`, codes: `/v1/codes?batch_id=${batch.id}` },
  };
}

function sourceTypeOf(c: Context): BatchSourceType {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const source = SOURCE_TYPES[type];
  if (!source)
    throw new ApiProblem({
      code: 'unsupported_media_type',
      detail: 'Upload text/csv (with a header row) or application/x-ndjson (one JSON object per line).',
    });
  return source;
}

/** Query parameters other than the controls are defaults for every row; they must be valid on their own. */
async function parseDefaults(
  query: Record<string, string>,
  policy: RenderPolicy,
  runPreflight: RunPreflight,
): Promise<Record<string, unknown>> {
  const defaults: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (CONTROL_PARAMS.has(name)) continue;
    if (name === 'data' || !isKnownField(name))
      errors.push({
        path: `query.${name}`,
        message: name === 'data' ? 'data comes from the rows' : 'is not a known field',
      });
    else defaults[name] = coerceCell(name, value);
  }
  const { render } = splitRow(defaults);
  const probe = await checkRenderFields({ ...render, data: '0' }, policy, runPreflight);
  if (!probe.ok)
    errors.push(...probe.errors.filter((e) => e.path !== 'data').map((e) => ({ ...e, path: `query.${e.path}` })));
  if (errors.length > 0) throw validationProblem(errors);
  // The plan's verification default travels with the batch: the expansion worker knows no plans.
  return { verify: policy.verify, ...defaults };
}

/** Validates one row with the batch defaults applied; what the expansion worker will do, in the request. */
export async function checkRow(
  row: ParsedRow,
  defaults: Record<string, unknown>,
  deps: ApiDeps,
  runPreflight: RunPreflight,
): Promise<FieldError[]> {
  const policy = { ...DEFAULT_POLICY, minContrast: deps.config.minContrast, logoSvg: logoSvgLimits(deps.config) };
  const { render, metadata } = splitRow({ ...defaults, ...row.values });
  const { metadataMaxKeys: maxKeys, metadataMaxValueLength: maxValueLength } = deps.config;
  const checked = await checkSubmission(
    { ...render, metadata },
    { policy, limits: { maxKeys, maxValueLength }, extra: ['metadata'], runPreflight },
  );
  if (checked.ok) return [];
  return checked.errors.map((e) => ({ path: `rows.${row.row}${e.path ? `.${e.path}` : ''}`, message: e.message }));
}

async function* uploadedRows(rows: AsyncIterable<ParsedRow>): AsyncGenerator<UploadedRow> {
  for await (const row of rows) {
    const { filename, custom_id } = splitRow(row.values);
    yield { row_number: row.row, fields: row.values, filename, custom_id };
  }
}

function fileProblem(error: BatchFileError): ApiProblem {
  const path =
    error.row === undefined
      ? ''
      : error.header
        ? `header.${error.field ?? ''}`
        : `rows.${error.row}${error.field ? `.${error.field}` : ''}`;
  return new ApiProblem({
    code: error.tooLarge ? 'batch_too_large' : 'invalid_batch_file',
    detail: error.message,
    errors: [{ path, message: error.message }],
  });
}

async function* manifestEntries(deps: ApiDeps, batchId: string): AsyncGenerator<ZipEntry> {
  // Names are handed out in row order, so the manifest's second pass reproduces them exactly.
  const names = createNameRegistry();
  for (let after = 0; ;) {
    const page = await batchManifestPage(deps.db, batchId, after, MANIFEST_PAGE);
    if (page.length === 0) break;
    const bytes = await findResultBytes(
      deps.db,
      page.flatMap((r) => (r.status === 'succeeded' && r.result_key ? [r.result_key] : [])),
    );
    for (const row of page) {
      const content = row.result_key ? bytes.get(row.result_key) : undefined;
      if (row.status === 'succeeded' && content)
        yield { name: names(entryName(row, FILE_EXTENSIONS[row.format as Format] ?? row.format!)), content };
    }
    after = page.at(-1)!.row_number;
  }
  yield { name: 'manifest.csv', content: manifestLines(deps, batchId) };
}

async function* manifestLines(deps: ApiDeps, batchId: string): AsyncGenerator<string> {
  const names = createNameRegistry();
  yield csvLine(MANIFEST_COLUMNS);
  for (let after = 0; ;) {
    const page = await batchManifestPage(deps.db, batchId, after, MANIFEST_PAGE * 5);
    if (page.length === 0) return;
    for (const row of page) {
      const file =
        row.status === 'succeeded' && row.sha256
          ? names(entryName(row, FILE_EXTENSIONS[row.format as Format] ?? row.format!))
          : '';
      yield csvLine([
        row.row_number,
        row.custom_id,
        row.status ?? 'queued',
        file,
        row.status === 'succeeded' ? row.sha256 : '',
        row.error?.message ?? '',
      ]);
    }
    after = page.at(-1)!.row_number;
  }
}

async function findOwnBatch(deps: ApiDeps, accountId: string, id: string): Promise<BatchWithCounts> {
  const batch = isId('batch', id) ? await findBatch(deps.db, accountId, id) : undefined;
  if (!batch) throw new ApiProblem({ code: 'not_found', detail: `No batch ${id}` });
  return batch;
}

/** /v1/batches: bulk uploads in, ZIP and manifest out. */
export function batchesRoutes(deps: ApiDeps) {
  const { config } = deps;
  return new Hono<AppEnv>()
    .post('/', idempotency({ db: deps.db, ttlHours: config.idempotencyTtlHours, hashBody: false }), async (c) => {
      const source = sourceTypeOf(c);
      const plan = planOf(config, c.var.identity);
      // Engine checks wait their turn on the pool: a costly file delays this account only.
      const runPreflight = accountPreflight(deps, c.var.accountId);
      const defaults = await parseDefaults(c.req.query(), renderPolicyOf(config, plan), runPreflight);
      // A batch's own webhook: batch.completed by default; code events of its rows when listed.
      const hookEvents = c.req.query('webhook_events');
      const webhook = await checkWebhookFields(
        config,
        {
          url: c.req.query('webhook_url'),
          events: hookEvents === undefined ? undefined : hookEvents.split(',').map((e) => e.trim()),
        },
        { url: 'query.webhook_url', events: 'query.webhook_events' },
      );
      if (webhook.errors.length > 0) throw validationProblem(webhook.errors);
      const limits = {
        maxRows: Math.min(config.batchMaxRows, plan.maxBatchRows),
        maxBytes: config.batchMaxBytes,
        rowMaxBytes: config.batchRowMaxBytes,
      };
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > limits.maxBytes)
        throw new ApiProblem({ code: 'batch_too_large', detail: `The file is over ${limits.maxBytes} bytes` });
      const body = c.req.raw.body ?? (async function* () {})();
      const rows = parseBatch(body as AsyncIterable<Uint8Array>, source, limits);

      if (c.req.query('validate_only') === 'true') {
        let total = 0;
        let invalid = 0;
        const errors: FieldError[] = [];
        try {
          for await (const row of rows) {
            total++;
            const rowErrors = await checkRow(row, defaults, deps, runPreflight);
            if (rowErrors.length > 0) invalid++;
            if (errors.length < config.batchValidateMaxErrors)
              errors.push(...rowErrors.slice(0, config.batchValidateMaxErrors - errors.length));
          }
        } catch (error) {
          throw error instanceof BatchFileError ? fileProblem(error) : error;
        }
        return c.json({
          object: 'batch_validation',
          valid: invalid === 0 && total > 0,
          counts: { total, valid: total - invalid, invalid },
          errors,
        });
      }

      const accountId = c.var.accountId;
      const tooMany = () =>
        new ApiProblem({
          code: 'too_many_batches',
          detail: `Plan "${c.var.identity.policy.name}" allows ${plan.maxConcurrentBatches} batches at once.`,
          headers: { 'Retry-After': '30' },
        });
      // Early and cheap; the count that decides is taken again, atomically, with the insert below.
      if ((await countActiveBatches(deps.db, accountId)) >= plan.maxConcurrentBatches) throw tooMany();
      // The rows are parsed and spooled to a local file while they arrive: no connection or
      // transaction waits on the client's bytes, and a file that turns out bad at row 90,000 (or is
      // cut off, 408) never reached the database.
      let spool: Spool<UploadedRow>;
      try {
        spool = await spoolRows(uploadedRows(rows));
      } catch (error) {
        throw error instanceof BatchFileError ? fileProblem(error) : error;
      }
      const id = newId('batch');
      const tally = createRowTally(plan, defaults);
      let charge: Charge | undefined;
      try {
        if (spool.count === 0)
          throw fileProblem(new BatchFileError('the file has no rows', { row: source === 'csv' ? 2 : 1 }));
        // One transaction, writes only: the limit check, the batch and its rows all or nothing.
        await deps.db.transaction().execute(async (trx) => {
          const batch = {
            id,
            account_id: accountId,
            defaults,
            source_type: source,
            webhook_url: webhook.url,
            webhook_events: webhook.events && JSON.stringify(webhook.events),
          };
          if (!(await insertBatchWithinLimit(trx, batch, plan.maxConcurrentBatches))) throw tooMany();
          let chunk: UploadedRow[] = [];
          for await (const row of spool.rows()) {
            chunk.push(row);
            tally.add(row.fields);
            if (chunk.length >= config.batchChunkRows) {
              await insertBatchRows(trx, id, chunk);
              chunk = [];
            }
          }
          await insertBatchRows(trx, id, chunk);
          await setBatchTotal(trx, id, spool.count);
          // Charged before the commit: past the quota, the whole upload is refused and nothing stays.
          charge = await chargeQuota(c, deps, tally.charge());
        });
      } catch (error) {
        await charge?.refund().catch(() => undefined);
        throw error instanceof BatchFileError ? fileProblem(error) : error;
      } finally {
        await spool.remove();
      }
      try {
        await enqueueBatchExpansion(deps.queues, id);
      } catch (error) {
        await deleteBatch(deps.db, id);
        await charge?.refund().catch(() => undefined);
        throw error;
      }
      const batch = (await findBatch(deps.db, accountId, id))!;
      return c.json(toBatchObject(batch), 202, { Location: `/v1/batches/${id}` });
    })
    .get('/', async (c) => {
      const query = v.safeParse(ListQuery, c.req.query());
      if (!query.success) throw validationProblem(fieldErrors(query.issues));
      const { cursor, limit } = query.output;
      const batches = await listBatches(deps.db, c.var.accountId, {
        before: cursor && Buffer.from(cursor, 'base64url').toString(),
        limit: limit + 1,
      });
      const page = batches.slice(0, limit);
      const next = batches.length > limit ? Buffer.from(page.at(-1)!.id).toString('base64url') : null;
      return c.json({ object: 'list', data: page.map(toBatchObject), next_cursor: next });
    })
    .get('/:id', async (c) => {
      const batch = await findOwnBatch(deps, c.var.accountId, c.req.param('id'));
      const headers: Record<string, string> =
        batch.status === 'validating' || batch.status === 'queued'
          ? { 'Retry-After': String(config.retryAfterSeconds) }
          : {};
      return c.json(toBatchObject(batch), 200, headers);
    })
    .post('/:id/cancel', async (c) => {
      const existing = await findOwnBatch(deps, c.var.accountId, c.req.param('id'));
      const canceled = await cancelBatch(deps.db, c.var.accountId, existing.id);
      if (canceled === undefined && existing.status !== 'canceled')
        throw new ApiProblem({ code: 'batch_finished', detail: `Batch ${existing.id} is ${existing.status}` });
      return c.json(toBatchObject((await findBatch(deps.db, c.var.accountId, existing.id))!));
    })
    .post('/:id/retry', async (c) => {
      const existing = await findOwnBatch(deps, c.var.accountId, c.req.param('id'));
      if (existing.status === 'canceled')
        throw new ApiProblem({ code: 'batch_finished', detail: `Batch ${existing.id} was canceled` });
      const ids = (await retryBatch(deps.db, c.var.accountId, existing.id)) ?? [];
      await enqueueRenders(
        deps.queues,
        ids.map((codeId) => ({ id: codeId })),
        { priority: 1 },
      );
      return c.json({
        ...toBatchObject((await findBatch(deps.db, c.var.accountId, existing.id))!),
        retried: ids.length,
      });
    })
    .get('/:id/results.zip', async (c) => {
      const batch = await findOwnBatch(deps, c.var.accountId, c.req.param('id'));
      const zip = zipStream(manifestEntries(deps, batch.id));
      return new Response(toPullStream(zip), {
        headers: {
          'Content-Type': 'application/zip',
          'Content-Disposition': `attachment; filename="${batch.id}.zip"`,
          'Cache-Control': 'no-store',
        },
      });
    });
}
