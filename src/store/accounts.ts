import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { AccountRow } from './schema.ts';

/**
 * The account with this name, created with `plan` and `webhookSecret` (sealed) if it does not exist;
 * `created` says which, so the secret is shown only to whoever created it.
 */
export async function ensureAccount(
  db: Db,
  account: { id: string; name: string; plan: string; webhookSecret: string },
): Promise<{ account: AccountRow; created: boolean }> {
  const inserted = await db
    .insertInto('accounts')
    .values({ id: account.id, name: account.name, plan: account.plan, webhook_secret: account.webhookSecret })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { account: inserted, created: true };
  const existing = await db
    .selectFrom('accounts')
    .selectAll()
    .where('name', '=', account.name)
    .executeTakeFirstOrThrow();
  return { account: existing, created: false };
}

/** The account with this id or, failing that, this name. */
export async function findAccount(db: Db, idOrName: string): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy(sql`id = ${idOrName}`, 'desc')
    .executeTakeFirst();
}

/** Moves the account to another plan (keys with a plan of their own keep it). */
export async function setAccountPlan(db: Db, accountId: string, plan: string): Promise<void> {
  await db.updateTable('accounts').set({ plan }).where('id', '=', accountId).execute();
}

/** Suspends or resumes the account; returns whether that changed anything. */
export async function setAccountSuspended(db: Db, accountId: string, suspended: boolean): Promise<boolean> {
  const result = await db
    .updateTable('accounts')
    .set({ suspended_at: suspended ? sql`now()` : null })
    .where('id', '=', accountId)
    .where('suspended_at', suspended ? 'is' : 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type AccountSummary = Omit<AccountRow, 'webhook_secret' | 'previous_webhook_secret' | 'previous_expires_at'> & {
  keys: number;
};

/** Every account with its count of live keys. */
export async function listAccounts(db: Db): Promise<AccountSummary[]> {
  return db
    .selectFrom('accounts')
    .leftJoin('api_keys', (join) =>
      join.onRef('api_keys.account_id', '=', 'accounts.id').on('api_keys.revoked_at', 'is', null),
    )
    .select(['accounts.id', 'accounts.name', 'accounts.plan', 'accounts.created_at', 'accounts.suspended_at'])
    .select('accounts.monthly_quota')
    .select(sql<number>`count(api_keys.id)::int`.as('keys'))
    .groupBy('accounts.id')
    .orderBy('accounts.created_at')
    .execute();
}

/** Sets (or, with null, clears) the account's own monthly quota; its keys see it within KEY_CACHE_TTL_MS. */
export async function setAccountQuota(db: Db, accountId: string, quota: number | null): Promise<void> {
  await db.updateTable('accounts').set({ monthly_quota: quota }).where('id', '=', accountId).execute();
}
