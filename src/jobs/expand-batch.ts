import { UnrecoverableError, type Job } from 'bullmq';
import * as v from 'valibot';
import { splitRow } from '../batches/fields.ts';
import { newId } from '../domain/ids.ts';
import { describeFieldErrors } from '../domain/problems.ts';
import { QUEUES } from '../queue/catalog.ts';
import { enqueueRenders, planRenderJobs, type Queues } from '../queue/producer.ts';
import { DEFAULT_POLICY, type RenderPolicy } from '../domain/render-spec.ts';
import { accountContentKey } from '../render/content-key.ts';
import { overBudgetIssue, type PreflightPool } from '../render/preflight-pool.ts';
import { checkSubmission, inlinePreflight, type RunPreflight } from '../render/submission.ts';
import {
  addInvalidRows,
  bumpBatchCounts,
  completeBatchIfDone,
  completeFinishedBatches,
  findBatchById,
  linkRowsToCodes,
  markBatchExpanded,
  markBatchFailed,
  nextUnexpandedRows,
} from '../store/batches.ts';
import { insertSubmissions, queuedCodes, type CodeSubmissionRow } from '../store/codes.ts';
import type { Db } from '../store/db.ts';
import type { BatchRowRow } from '../store/schema.ts';

export type ExpandDeps = {
  db: Db;
  queues: Queues;
  limits: {
    chunkRows: number;
    metadataMaxKeys: number;
    metadataMaxValueLength: number;
    minContrast: number;
    /** Codes per render job (RENDER_JOB_CODES). */
    renderJobCodes: number;
    /** LOGO_SVG_MAX_*. @defaultValue DEFAULT_POLICY's */
    logoSvg?: RenderPolicy['logoSvg'];
  };
  /**
   * Runs each row's engine checks off this thread within PREFLIGHT_TIMEOUT_MS, fairly between the
   * batches' accounts. @defaultValue inline, on the job's thread
   */
  preflight?: PreflightPool;
};

function rowPreflight(deps: ExpandDeps, accountId: string): RunPreflight {
  const pool = deps.preflight;
  if (!pool) return inlinePreflight;
  return async (spec) => {
    const checked = await pool.check(spec, accountId);
    if (checked.outcome === 'checked') return checked.issues;
    if (checked.outcome === 'timed_out') return [overBudgetIssue(checked.budgetMs)];
    throw new Error('the batch worker preflight pool has a queue limit'); // it is made without one
  };
}

export type ExpandOutcome =
  /** the batch is gone or finished: nothing to do (a redelivery) */
  | { outcome: 'skipped' }
  /** every row is now a code (queued, answered from the cache, or failed validation) */
  | { outcome: 'expanded'; rows: number };

async function toSubmission(
  row: BatchRowRow,
  batch: { id: string; account_id: string; defaults: Record<string, unknown> },
  canceled: boolean,
  deps: ExpandDeps,
  runPreflight: RunPreflight,
): Promise<CodeSubmissionRow> {
  const { render, metadata } = splitRow({ ...batch.defaults, ...row.fields });
  const base = { id: newId('code'), account_id: batch.account_id, batch_id: batch.id };
  // The batch's defaults carry its plan's `verify`; only the contrast floor comes from config.
  const { minContrast, metadataMaxKeys: maxKeys, metadataMaxValueLength: maxValueLength } = deps.limits;
  const checked = await checkSubmission(
    { ...render, metadata },
    {
      policy: { ...DEFAULT_POLICY, minContrast, logoSvg: deps.limits.logoSvg ?? DEFAULT_POLICY.logoSvg },
      limits: { maxKeys, maxValueLength },
      extra: ['metadata'],
      runPreflight,
    },
  );
  if (checked.ok) {
    const { spec, key } = checked;
    return {
      ...base,
      symbology: spec.symbology,
      data: spec.data,
      format: spec.format,
      options: JSON.stringify(spec.options),
      metadata: JSON.stringify(checked.metadata),
      result_key: accountContentKey(batch.account_id, key),
      ...(canceled ? { finished: { status: 'canceled' as const } } : {}),
    };
  }
  // Kept as a failed code so that the manifest accounts for every row.
  const message = describeFieldErrors(checked.errors);
  return {
    ...base,
    symbology: String(render.symbology ?? 'qrcode'),
    data: String(render.data ?? ''),
    format: String(render.format ?? 'png'),
    options: '{}',
    metadata: '{}',
    result_key: '',
    finished: canceled
      ? { status: 'canceled' }
      : { status: 'failed', error: { code: 'validation_failed', message, retryable: false } },
  };
}

/**
 * Turns a batch's uploaded rows into codes, a chunk at a time: insert the codes and link the rows in
 * one transaction, then enqueue the chunk's renders at the chunk's priority. Resumable: rows already
 * linked are skipped, and a rerun first re-enqueues the batch's queued codes (a crash may have come
 * between a commit and its enqueue; enqueuing a live job again is a no-op).
 */
export async function expandBatch(
  job: Pick<Job, 'data'> & Partial<Pick<Job, 'attemptsMade' | 'opts'>>,
  deps: ExpandDeps,
): Promise<ExpandOutcome> {
  const payload = v.safeParse(QUEUES.batches.payload, job.data);
  if (!payload.success) throw new UnrecoverableError(`bad batch payload: ${JSON.stringify(job.data)}`);
  const batchId = payload.output.batchId;
  try {
    return await expandRows(batchId, deps);
  } catch (error) {
    // The last attempt: the batch ends failed with the reason instead of staying `validating` forever.
    const attempts = job.opts?.attempts ?? QUEUES.batches.options.attempts;
    if ((job.attemptsMade ?? 0) + 1 >= attempts || error instanceof UnrecoverableError) {
      const message = error instanceof Error ? error.message : String(error);
      await markBatchFailed(deps.db, batchId, {
        code: 'expansion_failed',
        message: `the rows could not be expanded after ${attempts} attempts: ${message}`,
      }).catch(() => {});
    }
    throw error;
  }
}

async function expandRows(batchId: string, deps: ExpandDeps): Promise<ExpandOutcome> {
  const batch = await findBatchById(deps.db, batchId);
  if (!batch || batch.status === 'completed' || batch.status === 'failed') return { outcome: 'skipped' };

  await enqueueRenders(deps.queues, await queuedCodes(deps.db, batchId), { priority: 1 });

  const runPreflight = rowPreflight(deps, batch.account_id);
  let expanded = 0;
  for (let chunk = 0; ; chunk++) {
    const rows = await nextUnexpandedRows(deps.db, batchId, deps.limits.chunkRows);
    if (rows.length === 0) break;
    const canceled = (await findBatchById(deps.db, batchId))?.status === 'canceled';
    // Checked before the transaction opens: no connection waits on an encoder.
    const submissions = planRenderJobs(
      await Promise.all(rows.map((row) => toSubmission(row, batch, canceled, deps, runPreflight))),
      deps.limits.renderJobCodes,
    );
    const written = await deps.db.transaction().execute(async (trx) => {
      const codes = await insertSubmissions(trx, submissions);
      await linkRowsToCodes(
        trx,
        batchId,
        rows.map((row, i) => ({ row_number: row.row_number, code_id: codes[i]!.id })),
      );
      const count = (status: string) => codes.filter((c) => c.status === status).length;
      await bumpBatchCounts(trx, batchId, {
        expanded: codes.length,
        succeeded: count('succeeded'),
        failed: count('failed'),
        canceled: count('canceled'),
      });
      await addInvalidRows(trx, batchId, count('failed'));
      return codes;
    });
    await enqueueRenders(
      deps.queues,
      written.filter((c) => c.status === 'queued'),
      { priority: chunk + 1 },
    );
    expanded += rows.length;
  }
  await markBatchExpanded(deps.db, batchId);
  await completeBatchIfDone(deps.db, batchId);
  return { outcome: 'expanded', rows: expanded };
}

/**
 * The batches worker's sweep: completes every expanded batch whose rows are all terminal. Completion is
 * noticed here, not by the render jobs: a job's transaction cannot see the counter increments of other
 * jobs committing at the same moment.
 */
export async function sweepFinishedBatches(deps: Pick<ExpandDeps, 'db'>): Promise<{ id: string }[]> {
  return completeFinishedBatches(deps.db);
}
