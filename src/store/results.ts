import type { Db } from './db.ts';
import type { NewResultRow, ResultRow } from './schema.ts';

/** Stores a rendered result; a concurrent or repeated insert of the same key is a no-op. */
export async function insertResult(db: Db, row: NewResultRow): Promise<void> {
  await db
    .insertInto('results')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** The stored bytes and headers for a result key. */
export async function findResultContent(db: Db, key: string): Promise<ResultRow | undefined> {
  return db.selectFrom('results').selectAll().where('key', '=', key).executeTakeFirst();
}

/** The bytes of several results at once (a page of a batch's ZIP). */
export async function findResultBytes(db: Db, keys: readonly string[]): Promise<Map<string, Buffer>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('results')
    .select(['key', 'bytes'])
    .where('key', 'in', [...new Set(keys)])
    .execute();
  return new Map(rows.map((r) => [r.key, r.bytes]));
}
