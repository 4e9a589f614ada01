import { UnrecoverableError, type Job } from 'bullmq';
import * as v from 'valibot';
import type { CodeStatus } from '../domain/code.ts';
import type { RenderSpec } from '../domain/render-spec.ts';
import { QUEUES } from '../queue/catalog.ts';
import { storedResult } from '../render/content-key.ts';
import { render } from '../render/index.ts';
import { claimCodes, completeRenders, markFailed, type CompletedRender } from '../store/codes.ts';
import type { Db } from '../store/db.ts';
import type { CodeRow } from '../store/schema.ts';
import { loadVerifier, type Verify } from './decoder.ts';

export type RenderDeps = {
  db: Db;
  /**
   * Moves a code to processing (undefined: nothing to do); the worker entry passes a micro-batched
   * claimCodes so jobs that start together share one statement. @defaultValue one claimCodes call per code
   */
  claim?: (codeId: string) => Promise<ClaimedCode | undefined>;
  /**
   * Records finished renders; the worker entry passes a micro-batched completeRenders so renders that
   * finish together share one statement. @defaultValue one completeRenders call per code
   */
  complete?: (item: CompletedRender) => Promise<unknown>;
  /** Decodes a render back (codes with options.verify). @defaultValue this process's zxing-wasm verifier */
  verify?: Verify;
  /** Announces a status change (SSE, Prefer: wait); best effort, never fails the job. @defaultValue none */
  notify?: (codeId: string, status: CodeStatus) => unknown;
};

export type ClaimedCode = Awaited<ReturnType<typeof claimCodes>>[number];

/** What the worker entry labels its metrics and log lines with. */
export type RenderedCode = { codeId: string; symbology: string; format: string; requestId: string | null };

export type RenderOutcome =
  /** the code was already terminal or is gone: a redelivery, nothing to do */
  | { outcome: 'skipped' }
  /** rendered now, or found in the content cache */
  | ({ outcome: 'succeeded'; cached: boolean } & RenderedCode)
  /** the engine refused the input: the code is failed, the job completes (no retry) */
  | ({ outcome: 'failed'; message: string } & RenderedCode);

function specOf(row: CodeRow): RenderSpec {
  return { symbology: row.symbology, data: row.data, format: row.format, options: row.options } as RenderSpec;
}

/**
 * Renders one code: claim the row, reuse or produce the content-addressed result, mark the row.
 * Idempotent under BullMQ's at-least-once delivery. Database errors throw so BullMQ retries.
 */
export async function renderCode(job: Pick<Job, 'data'>, deps: RenderDeps): Promise<RenderOutcome> {
  const outcome = await renderClaimed(job, deps);
  if (outcome.outcome !== 'skipped') announce(deps, outcome.codeId, outcome.outcome);
  return outcome;
}

/**
 * Publishes a status change without waiting for it: the job's slot is not held for a Redis round
 * trip, and changes still leave in order (one connection). Best effort: listeners also read the
 * database on connect and at their deadline, so a lost message only delays them.
 */
function announce(deps: RenderDeps, codeId: string, status: CodeStatus): void {
  void Promise.resolve()
    .then(() => deps.notify?.(codeId, status))
    .catch(() => {});
}

async function renderClaimed(job: Pick<Job, 'data'>, deps: RenderDeps): Promise<RenderOutcome> {
  const payload = v.safeParse(QUEUES.render.payload, job.data);
  if (!payload.success) throw new UnrecoverableError(`bad render payload: ${JSON.stringify(job.data)}`);
  const claim = deps.claim ?? (async (id: string) => (await claimCodes(deps.db, [id]))[0]);
  const row = await claim(payload.output.codeId);
  if (!row) return { outcome: 'skipped' };
  announce(deps, row.id, 'processing');
  const code: RenderedCode = {
    codeId: row.id,
    symbology: row.symbology,
    format: row.format,
    requestId: row.request_id,
  };

  const complete = deps.complete ?? ((item: CompletedRender) => completeRenders(deps.db, [item]));
  if (row.cached) {
    await complete({ codeId: row.id });
    return { outcome: 'succeeded', cached: true, ...code };
  }
  const spec = specOf(row);
  let rendered;
  try {
    rendered = await render(spec);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await markFailed(deps.db, row.id, { code: 'render_failed', message, retryable: false });
    return { outcome: 'failed', message, ...code };
  }
  let verification = null;
  if (spec.options.verify) {
    const verify = deps.verify ?? (await loadVerifier());
    verification = await verify(spec, rendered);
    if (!verification.verified) {
      // Never a silent success: bytes that do not read back as asked fail the code, and are not stored.
      const message = `the rendered ${spec.format} does not scan as requested: ${verification.message ?? 'mismatch'}`;
      await markFailed(deps.db, row.id, { code: 'verification_failed', message, retryable: false });
      return { outcome: 'failed', message, ...code };
    }
  }
  await complete({ codeId: row.id, result: storedResult(row.result_key, rendered, verification) });
  return { outcome: 'succeeded', cached: false, ...code };
}
