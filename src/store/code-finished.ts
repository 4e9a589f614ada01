import type { Db } from './db.ts';
import type { CodeRow } from './schema.ts';

/**
 * Runs in the same transaction as every move of a code to a terminal status (worker or cancel), so
 * what follows from it (event log entries, batch counters) is written exactly when the status is.
 */
export async function onCodeFinished(_trx: Db, _row: CodeRow): Promise<void> {}
