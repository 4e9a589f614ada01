import { sql } from 'kysely';
import type { Db } from './db.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes up to `limit` results that no code still needs: a result is shared by every code with its
 * render key, and kept while any of them is younger than its account plan's retention (`planDays`,
 * else `defaultDays`). Returns how many were deleted; call again until it returns less than `limit`.
 */
export async function deleteExpiredResults(
  db: Db,
  options: { now: Date; defaultDays: number; planDays: Record<string, number>; limit: number },
): Promise<number> {
  const plans = Object.entries(options.planDays);
  const oldestKept = new Date(
    options.now.getTime() - Math.min(options.defaultDays, ...plans.map(([, d]) => d)) * DAY_MS,
  );
  const result = await sql`
    with plan_days(plan, days) as (
      select * from unnest(${plans.map(([p]) => p)}::text[], ${plans.map(([, d]) => d)}::float8[])
    ),
    expired as (
      select r.key from results r
      where r.created_at < ${oldestKept}
        and not exists (
          select 1 from codes c
          join accounts a on a.id = c.account_id
          left join plan_days p on p.plan = a.plan
          where c.result_key = r.key
            and c.created_at > ${options.now}::timestamptz - make_interval(secs => coalesce(p.days, ${options.defaultDays}::float8) * 86400)
        )
      limit ${options.limit}
      for update of r skip locked
    )
    delete from results where key in (select key from expired)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Deletes up to `limit` finished codes older than `days` (codes of a batch stay: the batch's
 * manifest and ZIP list them). Returns how many were deleted.
 */
export async function deleteExpiredCodes(db: Db, options: { now: Date; days: number; limit: number }): Promise<number> {
  const before = new Date(options.now.getTime() - options.days * DAY_MS);
  const result = await sql`
    delete from codes where id in (
      select id from codes
      where status in ('succeeded', 'failed', 'canceled') and created_at < ${before} and batch_id is null
      limit ${options.limit}
      for update skip locked
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Unfinished codes (queued or processing) created before `before`, oldest first, after the `after` id. */
export async function listUnfinishedCodes(
  db: Db,
  options: { before: Date; after?: string; limit: number },
): Promise<{ id: string; render_job: string | null; batch_id: string | null }[]> {
  let query = db
    .selectFrom('codes')
    .select(['id', 'render_job', 'batch_id'])
    .where('status', 'in', ['queued', 'processing'])
    .where('created_at', '<', options.before);
  if (options.after) query = query.where('id', '>', options.after);
  return query.orderBy('id').limit(options.limit).execute();
}
