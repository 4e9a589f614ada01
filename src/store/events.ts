import { sql } from 'kysely';
import { TEST_EVENT_TYPE } from '../domain/events.ts';
import type { Db } from './db.ts';
import type { EventRow } from './schema.ts';

/**
 * The account's events after `after`, in id order. Only events written by transactions older than
 * every transaction still running are listed: ids are ordered by writing transaction, so a later
 * page never finds an event that sorts before its cursor.
 */
export async function listEvents(
  db: Db,
  accountId: string,
  options: { after?: string; limit: number },
): Promise<EventRow[]> {
  let query = db
    .selectFrom('events')
    .select(['id', 'account_id', 'type', 'code_id', 'batch_id', 'data', 'created_at', 'dispatched_at'])
    .where('account_id', '=', accountId)
    // A test event is between the service and one endpoint: not part of the account's log.
    .where('type', '!=', TEST_EVENT_TYPE)
    .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`);
  if (options.after) query = query.where('id', '>', options.after);
  return query.orderBy('id').limit(options.limit).execute();
}

/**
 * Turns up to `limit` undispatched events into deliveries (one per matching account endpoint, plus
 * the code's or batch's own webhook_url) and marks them dispatched, in one statement. Returns the new
 * delivery ids. Delivery ids derive from the event and target, so running it twice creates nothing twice.
 */
export async function dispatchEvents(db: Db, options: { limit: number; maxAttempts: number }): Promise<string[]> {
  const result = await sql<{ id: string }>`
    with ev as (
      select * from events where dispatched_at is null order by id limit ${options.limit} for update skip locked
    ),
    marked as (
      update events e set dispatched_at = now() from ev where e.id = ev.id
    ),
    targets as (
      select ev.id as event_id, ev.account_id, 'endpoint' as target, w.id as endpoint_id, w.url
      from ev join webhook_endpoints w on w.account_id = ev.account_id and w.disabled_at is null
        and (jsonb_array_length(w.events) = 0 or w.events ? ev.type)
      union all
      select ev.id, ev.account_id, 'code', null, c.webhook_url
      from ev join codes c on c.id = ev.code_id
      where ev.type like 'code.%' and c.webhook_url is not null and (c.webhook_events is null or c.webhook_events ? ev.type)
      union all
      select ev.id, ev.account_id, 'batch', null, b.webhook_url
      from ev join batches b on b.id = ev.batch_id
      where b.webhook_url is not null and coalesce(b.webhook_events, '["batch.completed"]'::jsonb) ? ev.type
    )
    insert into webhook_deliveries (id, account_id, event_id, endpoint_id, target, url, status, max_attempts)
    select 'msg_' || substr(event_id, 5) || '_' || coalesce(substr(endpoint_id, 6), target), account_id, event_id, endpoint_id, target, url, 'pending', ${options.maxAttempts}::int
    from targets t
    -- Only accounts with a row have a secret to sign with: an anonymous caller's events go nowhere.
    where exists (select 1 from accounts a where a.id = t.account_id)
    on conflict do nothing
    returning id`.execute(db);
  return result.rows.map((row) => row.id);
}

/** Deletes up to `limit` events older than `before` (their deliveries go with them). */
export async function deleteExpiredEvents(db: Db, options: { before: Date; limit: number }): Promise<number> {
  const deliveries = await sql`
    delete from webhook_deliveries where id in (
      select id from webhook_deliveries where created_at < ${options.before} and status <> 'pending' limit ${options.limit}
    )`.execute(db);
  const events = await sql`
    delete from events where id in (
      select id from events where created_at < ${options.before} and dispatched_at is not null limit ${options.limit}
    )`.execute(db);
  return Number(deliveries.numAffectedRows ?? 0) + Number(events.numAffectedRows ?? 0);
}
