import type { Config } from '../config.ts';
import type { CodeStatus } from '../domain/code.ts';
import type { Redis } from 'ioredis';
import { publishCodeStatuses } from '../queue/code-status.ts';
import { createLookupBatcher, createMicroBatcher } from '../limits/micro-batch.ts';
import { claimCodes, completeRenders, type CompletedRender } from '../store/codes.ts';
import { createDb, type Db } from '../store/db.ts';
import type { RenderDeps } from './render-code.ts';

/**
 * A worker process's database: commits without waiting for the WAL flush. A status or attempt record
 * lost in a crash only means the work is done once more (renders are idempotent, receivers dedupe).
 */
export function openWorkerDb(config: Config): Db {
  return createDb({ databaseUrl: config.databaseUrl, poolSize: config.pgPoolSize, synchronousCommit: false });
}

/**
 * What render jobs need in one worker process, over its database and Redis connection. Jobs that start
 * together share one claim statement, jobs that finish together one completion statement, and their status
 * announcements one Redis write.
 */
export function openJobDeps(config: Config, db: Db, redis?: Redis): RenderDeps {
  // Every code of the jobs that start together fits one claim. A claim's codes render back to back before
  // the event loop turns again (lock renewals, health checks): RENDER_CONCURRENCY × RENDER_JOB_CODES bounds
  // that stretch, which is why the defaults trade concurrency for job size.
  const maxBatch = config.renderConcurrency * Math.max(4, config.renderJobCodes);
  const claim = createLookupBatcher(
    (ids) => claimCodes(db, ids),
    (row) => row.id,
    { maxBatch },
  );
  const complete = createMicroBatcher((items: CompletedRender[]) => completeRenders(db, items), { maxBatch });
  const publish =
    redis &&
    createMicroBatcher(
      (changes: { codeId: string; status: CodeStatus }[]) => publishCodeStatuses(redis, config.queuePrefix, changes),
      { maxBatch },
    );
  const notify = publish && ((codeId: string, status: CodeStatus) => publish({ codeId, status }));
  return { db, claim, complete, ...(notify ? { notify } : {}) };
}
