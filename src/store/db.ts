import { Kysely, PostgresDialect, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';
export type Db = Kysely<Database>;

export type DbOptions = {
  databaseUrl: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** Fail a query waiting for a pool connection after this long instead of hanging. @defaultValue 5000 */
  connectionTimeoutMs?: number;
  /**
   * Wait for the WAL flush on commit. Workers turn it off: a status write lost in a crash only means
   * the reconciler renders that code again (renders are idempotent), and skipping the flush per commit
   * is most of a render job's database cost. The API keeps it on: an accepted code must be durable.
   * @defaultValue true
   */
  synchronousCommit?: boolean;
  /** Told when a connection loses its server (its next query fails anyway). @defaultValue ignored */
  onConnectionError?: (error: Error) => void;
};

// timestamptz → Date is pg's default; bigint (int8) as number is safe for our counters.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** A Kysely instance over a pg pool. The caller owns it and must `destroy()` it. */
export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  // A client losing its server (restart, failover) must not crash the process. The pool reports idle
  // clients; a checked-out client between two statements of a transaction emits on itself, and
  // without a listener that is an uncaught 'error'. Its next query fails instead, and the pool drops
  // it on release because it is no longer queryable.
  const lost = options.onConnectionError ?? (() => {});
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

// invalid_catalog_name: the server answers, the database is not created yet (npm start and migrate create it).
const DATABASE_MISSING = '3D000';

/** One connection and `select 1`, or the error that prevented it; a database not created yet counts as reachable. */
export async function probeDatabase(databaseUrl: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    if ((error as { code?: string }).code !== DATABASE_MISSING) throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs a statement repeated many times a second (the API's intake insert, a worker's claims and
 * completions) as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call, which is a large share of a small statement's cost. The text must be the same on
 * every call (arrays and unnest, not one placeholder per row), and its result columns named, never `*` (a migration
 * adding a column would make PostgreSQL refuse the prepared statement). Inside a transaction, or on
 * a Kysely not made here, it runs unprepared.
 */
export async function executePrepared<R>(db: Db, name: string, query: RawBuilder<R>): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return (await query.execute(db)).rows;
  const { sql, parameters } = query.compile(db);
  return (await pool.query({ name, text: sql, values: parameters as unknown[] })).rows as R[];
}
