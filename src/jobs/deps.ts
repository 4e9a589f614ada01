import type { Config } from '../config.ts';
import { createMicroBatcher } from '../limits/micro-batch.ts';
import { completeRenders, type CompletedRender } from '../store/codes.ts';
import { createDb } from '../store/db.ts';
import type { RenderDeps } from './render-code.ts';

/** Opens what processors need for one worker process; `close` releases it. */
export function openJobDeps(config: Config): RenderDeps & { close: () => Promise<void> } {
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: config.pgPoolSize, synchronousCommit: false });
  const complete = createMicroBatcher((items: CompletedRender[]) => completeRenders(db, items), { maxBatch: config.renderConcurrency * 4 });
  return { db, complete, close: () => db.destroy() };
}
