import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { IdempotencyKeyRow } from './schema.ts';

/**
 * Claims an idempotency key for a first request. Returns undefined when claimed; otherwise the
 * existing live record (expired records are replaced).
 */
export async function claimIdempotencyKey(
  db: Db,
  claim: { accountId: string; key: string; requestHash: string; ttlHours: number },
): Promise<IdempotencyKeyRow | undefined> {
  const expires = sql<Date>`now() + make_interval(hours => ${claim.ttlHours})`;
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ account_id: claim.accountId, key: claim.key, request_hash: claim.requestHash, expires_at: expires })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'key'])
        .doUpdateSet({
          request_hash: claim.requestHash,
          status: null,
          response_headers: null,
          response_body: null,
          expires_at: expires,
        })
        .where('idempotency_keys.expires_at', '<', sql<Date>`now()`),
    )
    .returning('key')
    .executeTakeFirst();
  if (inserted) return undefined;
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('account_id', '=', claim.accountId)
    .where('key', '=', claim.key)
    .executeTakeFirst();
}

/** Stores the response of the first request so that retries replay it. */
export async function completeIdempotencyKey(
  db: Db,
  accountId: string,
  key: string,
  response: { status: number; headers: Record<string, string>; body: string },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: response.status, response_headers: JSON.stringify(response.headers), response_body: response.body })
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .execute();
}

/** Forgets a key whose first request failed on our side, so a retry runs again. */
export async function releaseIdempotencyKey(db: Db, accountId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('account_id', '=', accountId).where('key', '=', key).execute();
}

/** Deletes up to `limit` idempotency records past their expiry; returns how many. */
export async function deleteExpiredIdempotencyKeys(db: Db, limit: number): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where ctid in (select ctid from idempotency_keys where expires_at < now() limit ${limit})`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}
