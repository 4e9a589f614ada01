import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb } from '../../src/store/db.ts';
import { BASE_DB_URL, eventually } from '../support/harness.ts';

// PostgreSQL going away (restart, failover, an operator's pg_terminate_backend) while a process holds
// a connection between two statements of a transaction: the transaction fails, the process lives on.
// Before the fix this was an uncaught 'error' that killed render workers in the outage test.
it('a connection lost inside a transaction fails that transaction, not the process, and the pool recovers', async () => {
  const lost: Error[] = [];
  const db = createDb({ databaseUrl: BASE_DB_URL, poolSize: 2, onConnectionError: (error) => lost.push(error) });
  const admin = createDb({ databaseUrl: BASE_DB_URL, poolSize: 1 });
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    const transaction = db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin);
      // The socket closes while this client is checked out and has no query running: its 'error' event.
      await eventually(async () => lost.length > 0, 10_000, 10);
      await sql`select 1`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    expect(uncaught).toEqual([]);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows[0]!.one).toBe(1);
  } finally {
    process.off('uncaughtException', record);
    await Promise.all([db.destroy(), admin.destroy()]);
  }
});
