import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { AccountRow } from './schema.ts';

/** The account with this name, created with `plan` and `webhookSecret` (sealed) if it does not exist. */
export async function ensureAccount(
  db: Db,
  account: { id: string; name: string; plan: string; webhookSecret: string },
): Promise<AccountRow> {
  await db
    .insertInto('accounts')
    .values({ id: account.id, name: account.name, plan: account.plan, webhook_secret: account.webhookSecret })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.selectFrom('accounts').selectAll().where('name', '=', account.name).executeTakeFirstOrThrow();
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
    .select(['accounts.id', 'accounts.name', 'accounts.plan', 'accounts.created_at'])
    .select(sql<number>`count(api_keys.id)::int`.as('keys'))
    .groupBy('accounts.id')
    .orderBy('accounts.created_at')
    .execute();
}
