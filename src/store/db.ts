import { Kysely, PostgresDialect } from 'kysely';
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
};

// timestamptz → Date is pg's default; bigint (int8) as number is safe for our counters.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** A Kysely instance over a pg pool. The caller owns it and must `destroy()` it. */
export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
