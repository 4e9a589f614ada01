import type { Db } from './db.ts';
import type { AuditRow } from './schema.ts';

/** What operators and accounts change, as the audit log names it. */
export type AuditAction =
  | 'account.created'
  | 'account.plan_changed'
  | 'account.quota_changed'
  | 'account.suspended'
  | 'account.resumed'
  | 'account.webhook_secret_rotated'
  | 'key.created'
  | 'key.rolled'
  | 'key.revoked';

export type AuditEntry = {
  /** Who: `cli:<user>` for an operator, `key:<id>` for an account acting through the API. */
  actor: string;
  action: AuditAction;
  accountId: string | null;
  targetId: string | null;
  /** What changed, never a secret. */
  detail?: Record<string, unknown>;
};

/** Appends one entry; call it in the transaction of the change it records. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      account_id: entry.accountId,
      target_id: entry.targetId,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}

/** The newest entries first, optionally of one account. */
export async function listAudit(db: Db, filter: { accountId?: string; limit: number }): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}
