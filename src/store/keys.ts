import { sql } from 'kysely';
import { newId } from '../domain/ids.ts';
import { hashApiKey, newApiKey, newWebhookSecret, openSecret, sealSecret, visiblePrefix } from '../domain/secrets.ts';
import { ensureAccount } from './accounts.ts';
import type { Db } from './db.ts';
import type { ApiKeyRow, NewApiKeyRow } from './schema.ts';

/** What authentication needs about a key: its account, plan and limits. */
export type KeyIdentity = Pick<ApiKeyRow, 'id' | 'account_id' | 'rate' | 'burst' | 'revoked_at'> & {
  plan: string;
  /** Set while the key's account is suspended. */
  suspended_at: Date | null;
};

export async function insertApiKey(db: Db, row: NewApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The key whose sha256 is `hash`, with the plan that applies (the key's own, else its account's). */
export async function findKeyByHash(db: Db, hash: string): Promise<KeyIdentity | undefined> {
  return db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select(['api_keys.id', 'api_keys.account_id', 'api_keys.rate', 'api_keys.burst', 'api_keys.revoked_at'])
    .select('accounts.suspended_at')
    .select(sql<string>`coalesce(api_keys.plan, accounts.plan)`.as('plan'))
    .where('api_keys.hash', '=', hash)
    .executeTakeFirst();
}

/** Keys for listing (never the hash), optionally of one account. */
export async function listApiKeys(db: Db, accountId?: string) {
  let query = db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([
      'api_keys.id',
      'api_keys.prefix',
      'accounts.name as account',
      'api_keys.account_id',
      'api_keys.plan',
      'api_keys.rate',
      'api_keys.burst',
      'api_keys.created_at',
      'api_keys.revoked_at',
    ]);
  if (accountId) query = query.where('api_keys.account_id', '=', accountId);
  return query.orderBy('api_keys.created_at').execute();
}

/** Revokes a key; returns whether a live key was revoked. */
export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type CreatedKey = {
  key: string;
  account_id: string;
  key_id: string;
  /** Whether this call created the account. */
  account_created: boolean;
  /** The account's webhook secret, only when this call created the account (rotating shows a new one). */
  webhook_secret?: string;
};

/**
 * Creates an API key for the named account (creating the account on first use). The key, and the
 * webhook secret of an account created here, are returned in clear here and never again: the key is
 * stored as a hash, the secret sealed with the server's secrets key.
 */
export async function createApiKey(
  db: Db,
  options: { account: string; plan: string; keyPlan?: string; rate?: number; burst?: number; secretsKey: string },
): Promise<CreatedKey> {
  const { account, created } = await ensureAccount(db, {
    id: newId('acct'),
    name: options.account,
    plan: options.plan,
    webhookSecret: sealSecret(newWebhookSecret(), options.secretsKey),
  });
  const key = newApiKey();
  const keyId = newId('key');
  await insertApiKey(db, {
    id: keyId,
    account_id: account.id,
    hash: hashApiKey(key),
    prefix: visiblePrefix(key),
    plan: options.keyPlan ?? null,
    rate: options.rate ?? null,
    burst: options.burst ?? null,
  });
  return {
    key,
    account_id: account.id,
    key_id: keyId,
    account_created: created,
    ...(created ? { webhook_secret: openSecret(account.webhook_secret, options.secretsKey) } : {}),
  };
}
