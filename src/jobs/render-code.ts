import { UnrecoverableError, type Job } from 'bullmq';
import * as v from 'valibot';
import type { CodeStatus } from '../domain/code.ts';
import { specOfStored } from '../domain/render-spec.ts';
import { QUEUES } from '../queue/catalog.ts';
import { loadVerifier, type Verify } from '../render/decoder.ts';
import { produceResult } from '../render/result.ts';
import { claimCodes, completeRenders, markFailed, type CompletedRender } from '../store/codes.ts';
import type { Db } from '../store/db.ts';

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
export type RenderedCode = {
  codeId: string;
  symbology: string;
  format: string;
  requestId: string | null;
  /** From the start of its render to its outcome recorded. */
  seconds: number;
};

export type RenderOutcome =
  /** the code was already terminal or is gone: a redelivery, nothing to do */
  | { outcome: 'skipped' }
  /** rendered now, or found in the content cache */
  | ({ outcome: 'succeeded'; cached: boolean } & RenderedCode)
  /** the engine refused the input: the code is failed, the job completes (no retry) */
  | ({ outcome: 'failed'; message: string } & RenderedCode);

/**
 * Renders the codes of one job: claims them together (one statement with the jobs that start at the same
 * moment), then renders them one after another, each reusing or producing its content-addressed result and
 * recording its own status; a code's record is written while the next one renders, and all are awaited
 * at the end. Idempotent under BullMQ's at-least-once delivery: a code already terminal is skipped. A
 * database error fails the job once every code of it has settled, and BullMQ retries the job: the codes
 * finished meanwhile are skipped then.
 */
export async function renderCodes(job: Pick<Job, 'data'>, deps: RenderDeps): Promise<RenderOutcome[]> {
  const payload = v.safeParse(QUEUES.render.payload, job.data);
  if (!payload.success) throw new UnrecoverableError(`bad render payload: ${JSON.stringify(job.data)}`);
  const ids = 'codeIds' in payload.output ? payload.output.codeIds : [payload.output.codeId];
  const claim = deps.claim ?? (async (id: string) => (await claimCodes(deps.db, [id]))[0]);
  const claimed = await Promise.allSettled(ids.map((id) => claim(id)));
  const recorded: Promise<RenderOutcome>[] = [];
  for (const row of claimed) {
    if (row.status === 'rejected') recorded.push(Promise.reject(row.reason));
    else if (!row.value) recorded.push(Promise.resolve({ outcome: 'skipped' }));
    else {
      const done = await renderClaimed(row.value, deps).catch((error: unknown) => ({
        recorded: Promise.reject(error),
      }));
      recorded.push(
        done.recorded.then((outcome) => {
          announce(deps, outcome.codeId, outcome.outcome);
          return outcome;
        }),
      );
    }
  }
  const settled = await Promise.allSettled(recorded);
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<RenderOutcome>).value);
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

type Recorded = { recorded: Promise<Exclude<RenderOutcome, { outcome: 'skipped' }>> };

/** Renders one claimed code; resolves once rendered, with the write of its outcome under way. */
async function renderClaimed(row: ClaimedCode, deps: RenderDeps): Promise<Recorded> {
  announce(deps, row.id, 'processing');
  const start = performance.now();
  const code = {
    codeId: row.id,
    symbology: row.symbology,
    format: row.format,
    requestId: row.request_id,
    get seconds() {
      return (performance.now() - start) / 1000;
    },
  };

  const complete = deps.complete ?? ((item: CompletedRender) => completeRenders(deps.db, [item]));
  const fail = (error: { code: 'render_failed' | 'verification_failed'; message: string }) => ({
    recorded: markFailed(deps.db, row.id, { ...error, retryable: false }).then(() => ({
      outcome: 'failed' as const,
      message: error.message,
      ...code,
    })),
  });
  if (row.cached) {
    return { recorded: complete({ codeId: row.id }).then(() => ({ outcome: 'succeeded', cached: true, ...code })) };
  }
  const produced = await produceResult(specOfStored(row), row.result_key, async () => deps.verify ?? loadVerifier());
  // Never a silent success: bytes that do not read back as asked fail the code, and are not stored.
  if (!produced.ok) return fail({ code: produced.code, message: produced.message });
  return {
    recorded: complete({ codeId: row.id, result: produced.result }).then(() => ({
      outcome: 'succeeded',
      cached: false,
      ...code,
    })),
  };
}
