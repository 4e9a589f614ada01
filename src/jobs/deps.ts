import type { Config } from '../config.ts';
import type { CodeStatus } from '../domain/code.ts';
import type { Redis } from 'ioredis';
import { publishCodeStatus } from '../queue/code-status.ts';
import { createMicroBatcher } from '../limits/micro-batch.ts';
import { completeRenders, type CompletedRender } from '../store/codes.ts';
import { createDb } from '../store/db.ts';
import type { RenderDeps } from './render-code.ts';

/**
 * Opens what processors need for one worker process; `close` releases it. Status changes are published
 * on `redis` (the process's own connection, not another one) when given.
 */
export function openJobDeps(config: Config, redis?: Redis): RenderDeps & { close: () => Promise<void> } {
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: config.pgPoolSize, synchronousCommit: false });
  const complete = createMicroBatcher((items: CompletedRender[]) => completeRenders(db, items), { maxBatch: config.renderConcurrency * 4 });
  const notify = redis && ((codeId: string, status: CodeStatus) => publishCodeStatus(redis, config.queuePrefix, codeId, status));
  return { db, complete, ...(notify ? { notify } : {}), close: () => db.destroy() };
}
