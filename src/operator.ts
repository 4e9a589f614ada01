// What an operator changes from the CLI: each change and its audit entry commit together, so the audit log
// never misses a change nor lists one that did not happen.
import { newWebhookSecret, sealSecret } from './domain/secrets.ts';
import { findAccount, setAccountPlan, setAccountQuota, setAccountSuspended } from './store/accounts.ts';
import { recordAudit } from './store/audit.ts';
import type { Db } from './store/db.ts';
import { createApiKey, revokeApiKey, type CreatedKey } from './store/keys.ts';
import type { AccountRow } from './store/schema.ts';
import { rotateAccountSecret } from './store/webhooks.ts';

/** A refusal to print as it is (unknown account, no such plan): the CLI exits 2 with it. */
export class OperatorError extends Error {}

async function accountOrFail(db: Db, idOrName: string): Promise<AccountRow> {
  const account = await findAccount(db, idOrName);
  if (!account) throw new OperatorError(`no account ${idOrName}`);
  return account;
}

export async function createKey(
  db: Db,
  actor: string,
  options: Parameters<typeof createApiKey>[1],
): Promise<CreatedKey> {
  return db.transaction().execute(async (trx) => {
    const created = await createApiKey(trx, options);
    const accountId = created.account_id;
    if (created.account_created)
      await recordAudit(trx, {
        actor,
        action: 'account.created',
        accountId,
        targetId: accountId,
        detail: { name: options.account, plan: options.plan },
      });
    const limits = { plan: options.keyPlan ?? null, rate: options.rate ?? null, burst: options.burst ?? null };
    await recordAudit(trx, { actor, action: 'key.created', accountId, targetId: created.key_id, detail: limits });
    return created;
  });
}

export async function revokeKey(db: Db, actor: string, keyId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = await trx.selectFrom('api_keys').select('account_id').where('id', '=', keyId).executeTakeFirst();
    if (!key || !(await revokeApiKey(trx, keyId))) throw new OperatorError(`no live key ${keyId}`);
    await recordAudit(trx, { actor, action: 'key.revoked', accountId: key.account_id, targetId: keyId });
  });
}

export async function setPlan(db: Db, actor: string, idOrName: string, plan: string): Promise<AccountRow> {
  return db.transaction().execute(async (trx) => {
    const account = await accountOrFail(trx, idOrName);
    await setAccountPlan(trx, account.id, plan);
    await recordAudit(trx, {
      actor,
      action: 'account.plan_changed',
      accountId: account.id,
      targetId: account.id,
      detail: { from: account.plan, to: plan },
    });
    return { ...account, plan };
  });
}

/** Sets the account's own monthly quota (null: its plan's again); its keys see it within KEY_CACHE_TTL_MS. */
export async function setQuota(db: Db, actor: string, idOrName: string, quota: number | null): Promise<AccountRow> {
  return db.transaction().execute(async (trx) => {
    const account = await accountOrFail(trx, idOrName);
    await setAccountQuota(trx, account.id, quota);
    await recordAudit(trx, {
      actor,
      action: 'account.quota_changed',
      accountId: account.id,
      targetId: account.id,
      detail: { from: account.monthly_quota, to: quota },
    });
    return { ...account, monthly_quota: quota };
  });
}

/** Suspends (or resumes) the account; false when it already was. Its keys see it within KEY_CACHE_TTL_MS. */
export async function setSuspended(db: Db, actor: string, idOrName: string, suspended: boolean): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const account = await accountOrFail(trx, idOrName);
    if (!(await setAccountSuspended(trx, account.id, suspended))) return false;
    const action = suspended ? 'account.suspended' : 'account.resumed';
    await recordAudit(trx, { actor, action, accountId: account.id, targetId: account.id });
    return true;
  });
}

/** A new webhook signing secret, returned in clear this once; the old one keeps signing for `previousHours`. */
export async function rotateWebhookSecret(
  db: Db,
  actor: string,
  idOrName: string,
  options: { secretsKey: string; previousHours: number },
): Promise<{ account_id: string; webhook_secret: string; previous_secret_expires_at: string }> {
  return db.transaction().execute(async (trx) => {
    const account = await accountOrFail(trx, idOrName);
    const secret = newWebhookSecret();
    const previousUntil = new Date(Date.now() + options.previousHours * 3_600_000);
    await rotateAccountSecret(trx, account.id, sealSecret(secret, options.secretsKey), previousUntil);
    const expires = previousUntil.toISOString();
    await recordAudit(trx, {
      actor,
      action: 'account.webhook_secret_rotated',
      accountId: account.id,
      targetId: account.id,
      detail: { previous_secret_expires_at: expires },
    });
    return { account_id: account.id, webhook_secret: secret, previous_secret_expires_at: expires };
  });
}
