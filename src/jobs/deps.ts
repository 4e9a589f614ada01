import type { Config } from '../config.ts';
import { createDb } from '../store/db.ts';
import type { RenderDeps } from './render-code.ts';

/** Opens what processors need for one worker process; `close` releases it. */
export function openJobDeps(config: Config): RenderDeps & { close: () => Promise<void> } {
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: config.pgPoolSize, synchronousCommit: false });
  return { db, close: () => db.destroy() };
}
