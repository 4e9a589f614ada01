import { sql } from 'kysely';
import { newId } from '../domain/ids.ts';
import { hashApiKey, newApiKey, newWebhookSecret, openSecret, sealSecret, visiblePrefix } from '../domain/secrets.ts';
import { ensureAccount } from './accounts.ts';
import type { Db } from './db.ts';
import type { ApiKeyRow, NewApiKeyRow } from './schema.ts';

/** What authentication needs about a key: its account, plan and limits. */
export type KeyIdentity = Pick<
  ApiKeyRow,
  'id' | 'account_id' | 'rate' | 'burst' | 'revoked_at' | 'scope' | 'expires_at'
> & {
  plan: string;
  /** Set while the key's account is suspended. */
  suspended_at: Date | null;
  /** The account's own monthly quota, over its plan's. */
  monthly_quota: number | null;
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
    .select(['api_keys.scope', 'api_keys.expires_at', 'accounts.suspended_at', 'accounts.monthly_quota'])
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

/** What an account sees of its own key: never the hash, the secret only once, at creation. */
export type KeyView = Pick<
  ApiKeyRow,
  'id' | 'name' | 'prefix' | 'scope' | 'created_at' | 'last_used_at' | 'expires_at' | 'revoked_at'
>;

const KEY_VIEW = [
  'id',
  'name',
  'prefix',
  'scope',
  'created_at',
  'last_used_at',
  'expires_at',
  'revoked_at',
] as const satisfies readonly (keyof ApiKeyRow)[];

/** The account's keys, newest first, revoked and expired ones included (they say so). */
export async function listAccountKeys(db: Db, accountId: string): Promise<KeyView[]> {
  return db
    .selectFrom('api_keys')
    .select(KEY_VIEW)
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findAccountKey(db: Db, accountId: string, keyId: string): Promise<KeyView | undefined> {
  return db
    .selectFrom('api_keys')
    .select(KEY_VIEW)
    .where('account_id', '=', accountId)
    .where('id', '=', keyId)
    .executeTakeFirst();
}

/** Keys that still authenticate (neither revoked nor expired). */
export async function countLiveKeys(db: Db, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A new key of an existing account; the secret is returned here and never again. */
export async function insertAccountKey(
  db: Db,
  options: {
    accountId: string;
    name: string | null;
    scope: ApiKeyRow['scope'];
    expiresAt: Date | null;
    /** Limits carried over from a rolled key. */
    from?: Pick<ApiKeyRow, 'plan' | 'rate' | 'burst'>;
  },
): Promise<{ secret: string; key: KeyView }> {
  const secret = newApiKey();
  const key = await db
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      account_id: options.accountId,
      hash: hashApiKey(secret),
      prefix: visiblePrefix(secret),
      name: options.name,
      scope: options.scope,
      expires_at: options.expiresAt,
      plan: options.from?.plan ?? null,
      rate: options.from?.rate ?? null,
      burst: options.from?.burst ?? null,
    })
    .returning(KEY_VIEW)
    .executeTakeFirstOrThrow();
  return { secret, key };
}

/**
 * Rolls a live key: a successor with the same name, scope and limits, and the old key ending at
 * `graceUntil` (or sooner, if it was to expire sooner). Undefined when the key is not the account's or
 * no longer live. The row lock makes two concurrent rolls of one key yield one successor.
 */
export async function rollAccountKey(
  db: Db,
  accountId: string,
  keyId: string,
  graceUntil: Date,
): Promise<{ secret: string; key: KeyView; previous: KeyView } | undefined> {
  const old = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scope', 'plan', 'rate', 'burst', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', graceUntil)]))
    .forUpdate()
    .executeTakeFirst();
  if (!old) return undefined;
  const previous = await db
    .updateTable('api_keys')
    .set({ expires_at: graceUntil })
    .where('id', '=', keyId)
    .returning(KEY_VIEW)
    .executeTakeFirstOrThrow();
  const created = await insertAccountKey(db, {
    accountId,
    name: old.name,
    scope: old.scope,
    expiresAt: null,
    from: old,
  });
  return { ...created, previous };
}

/** Revokes the account's key; undefined when it is not the account's or already revoked. */
export async function revokeAccountKey(db: Db, accountId: string, keyId: string): Promise<KeyView | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: sql`now()` })
    .where('account_id', '=', accountId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .returning(KEY_VIEW)
    .executeTakeFirst();
}

/** Records that these keys were used at `at` (one statement for however many keys). */
export async function touchKeys(db: Db, keyIds: string[], at: Date): Promise<void> {
  if (keyIds.length === 0) return;
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', 'in', keyIds)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
    .execute();
}
