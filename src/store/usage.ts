import { sql } from 'kysely';
import type { Db } from './db.ts';

/** Per UTC day (`2026-12-01`) in [from, to): what PostgreSQL knows of an account's usage. */
export type DailyCounts = Map<string, number>;

async function byDay(rows: Promise<{ day: string; n: string | number | null }[]>): Promise<DailyCounts> {
  return new Map((await rows).map((row) => [row.day, Number(row.n ?? 0)]));
}

/** Webhook deliveries created per day (each delivery counts once, however many attempts it took). */
export function deliveriesByDay(db: Db, accountId: string, from: Date, to: Date): Promise<DailyCounts> {
  return byDay(
    db
      .selectFrom('webhook_deliveries')
      .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'))
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('account_id', '=', accountId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy('day')
      .execute(),
  );
}

/**
 * Bytes held for the account's succeeded codes, by the day the code was created (results removed by
 * retention no longer count; octet_length reads a stored value's size without loading it).
 */
export function storedBytesByDay(db: Db, accountId: string, from: Date, to: Date): Promise<DailyCounts> {
  return byDay(
    db
      .selectFrom('codes')
      .innerJoin('results', 'results.key', 'codes.result_key')
      .select(sql<string>`to_char(codes.created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'))
      .select(sql<string>`sum(octet_length(results.bytes))`.as('n'))
      .where('codes.account_id', '=', accountId)
      .where('codes.status', '=', 'succeeded')
      .where('codes.created_at', '>=', from)
      .where('codes.created_at', '<', to)
      .groupBy('day')
      .execute(),
  );
}
