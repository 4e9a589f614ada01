import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './schema.ts';

export async function insertEndpoint(
  db: Db,
  row: { id: string; account_id: string; url: string; events: string[]; secret: string },
): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ ...row, events: JSON.stringify(row.events) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findEndpoint(db: Db, accountId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listEndpoints(db: Db, accountId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

/** What PATCH may change: where, which events, and whether the endpoint is switched on. */
export type EndpointChanges = {
  url?: string | undefined;
  events?: string[] | undefined;
  enabled?: boolean | undefined;
};

/**
 * Applies `changes` to one of the account's endpoints. Enabling clears the disabled state and the
 * failure streak (the receiver was fixed); disabling records that the account did it.
 */
export async function updateEndpoint(
  db: Db,
  accountId: string,
  id: string,
  changes: EndpointChanges,
): Promise<WebhookEndpointRow | undefined> {
  const set: Record<string, unknown> = {};
  if (changes.url !== undefined) set.url = changes.url;
  if (changes.events !== undefined) set.events = JSON.stringify(changes.events);
  if (changes.enabled === true) Object.assign(set, { disabled_at: null, disabled_reason: null, failing_since: null });
  if (changes.enabled === false)
    Object.assign(set, {
      disabled_at: sql`coalesce(disabled_at, now())`,
      disabled_reason: sql`coalesce(disabled_reason, 'disabled by the account')`,
    });
  if (Object.keys(set).length === 0) return findEndpoint(db, accountId, id);
  return db
    .updateTable('webhook_endpoints')
    .set(set)
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEndpoint(db: Db, accountId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export type DeliveryWithAttempts = WebhookDeliveryRow & { attempt_log: WebhookAttemptRow[] };

async function withAttempts(db: Db, rows: WebhookDeliveryRow[]): Promise<DeliveryWithAttempts[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('attempt')
    .execute();
  return rows.map((row) => ({ ...row, attempt_log: attempts.filter((a) => a.delivery_id === row.id) }));
}

/** An endpoint's deliveries, newest first, before the `before` id. */
export async function listDeliveries(
  db: Db,
  accountId: string,
  endpointId: string,
  options: { before?: string; limit: number },
): Promise<DeliveryWithAttempts[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('endpoint_id', '=', endpointId);
  if (options.before) query = query.where('id', '<', options.before);
  return withAttempts(db, await query.orderBy('id', 'desc').limit(options.limit).execute());
}

export async function findDelivery(db: Db, accountId: string, id: string): Promise<DeliveryWithAttempts | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && (await withAttempts(db, [row]))[0];
}

/** Every delivery of one event (code or batch webhooks have no endpoint to list them under). */
export async function listDeliveriesOfEvent(
  db: Db,
  accountId: string,
  eventId: string,
): Promise<DeliveryWithAttempts[]> {
  return withAttempts(
    db,
    await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('event_id', '=', eventId)
      .orderBy('id')
      .execute(),
  );
}

/** A finished delivery back to pending for one more attempt; returns the attempt number, or undefined if it is still pending. */
export async function retryDelivery(db: Db, accountId: string, id: string): Promise<number | undefined> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', max_attempts: sql`attempts + 1`, next_attempt_at: sql`now()`, completed_at: null })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('status', '<>', 'pending')
    .returning('attempts')
    .executeTakeFirst();
  return row && row.attempts + 1;
}

/** What a delivery attempt needs: the delivery, its event and the sealed secrets that sign it. */
export type DeliveryContext = WebhookDeliveryRow & {
  type: string;
  data: Record<string, unknown>;
  event_created_at: Date;
  endpoint_secret: string | null;
  endpoint_disabled_at: Date | null;
  /** null when the account has no row (an anonymous caller's): nothing can sign, so it never delivers */
  account_secret: string | null;
  previous_secret: string | null;
  previous_expires_at: Date | null;
};

/** The contexts of several deliveries in one query (a worker's concurrent attempts share it). */
export async function loadDeliveryContexts(db: Db, ids: readonly string[]): Promise<DeliveryContext[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .leftJoin('accounts as a', 'a.id', 'd.account_id')
    .leftJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .selectAll('d')
    .select([
      'e.type',
      'e.data',
      'e.created_at as event_created_at',
      'w.secret as endpoint_secret',
      'w.disabled_at as endpoint_disabled_at',
    ])
    .select([
      'a.webhook_secret as account_secret',
      'a.previous_webhook_secret as previous_secret',
      'a.previous_expires_at',
    ])
    .where('d.id', 'in', ids)
    .execute() as Promise<DeliveryContext[]>;
}

export type AttemptRecord = {
  deliveryId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** pending → retry at nextAttemptAt; failed → done (successes go through recordSuccesses) */
  status: 'pending' | 'failed';
  nextAttemptAt?: Date;
  endpointId: string | null;
  /** 410 Gone: the receiver asked us to stop. */
  gone: boolean;
  disableAfterHours: number;
};

/**
 * Records one failed attempt and moves the delivery on, in one transaction; keeps the endpoint's
 * failure streak (disabled on 410 or after failing for `disableAfterHours`). Returns the delivery's
 * status, or undefined when another worker already recorded this attempt.
 */
export async function recordAttempt(db: Db, r: AttemptRecord): Promise<'pending' | 'failed' | undefined> {
  return db.transaction().execute(async (trx) => {
    let status = r.status;
    if (r.endpointId) {
      // The endpoint row is written only when its streak starts: failures to one endpoint do not
      // queue on its row lock.
      await trx
        .updateTable('webhook_endpoints')
        .set({ failing_since: sql`now()` })
        .where('id', '=', r.endpointId)
        .where('failing_since', 'is', null)
        .execute();
      const endpoint = await trx
        .selectFrom('webhook_endpoints')
        .select('failing_since')
        .where('id', '=', r.endpointId)
        .executeTakeFirst();
      const failingFor = endpoint?.failing_since ? Date.now() - endpoint.failing_since.getTime() : 0;
      const reason = r.gone
        ? 'receiver answered 410 Gone'
        : failingFor > r.disableAfterHours * 3_600_000
          ? `failing for more than ${r.disableAfterHours} h`
          : undefined;
      if (reason) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ disabled_at: sql`now()`, disabled_reason: reason })
          .where('id', '=', r.endpointId)
          .where('disabled_at', 'is', null)
          .execute();
        status = 'failed';
      }
    }
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({
        status,
        attempts: r.attempt,
        last_status: r.statusCode,
        last_error: r.error,
        ...(status === 'pending' ? { next_attempt_at: r.nextAttemptAt ?? new Date() } : { completed_at: sql`now()` }),
      })
      .where('id', '=', r.deliveryId)
      .where('status', '=', 'pending')
      .where('attempts', '=', r.attempt - 1)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return undefined;
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: r.deliveryId,
        attempt: r.attempt,
        status_code: r.statusCode,
        duration_ms: r.durationMs,
        error: r.error,
      })
      .execute();
    return status;
  });
}

/** A successful attempt: the common case, recorded without a transaction of its own. */
export type SuccessRecord = { deliveryId: string; attempt: number; statusCode: number; durationMs: number };

/**
 * Records many successful attempts in one statement (atomic like recordAttempt's transaction): each
 * delivery that is still pending at attempt - 1 succeeds, its attempt is logged, and its endpoint's
 * failure streak ends. Returns the ids recorded; the others were already recorded elsewhere.
 */
export async function recordSuccesses(db: Db, records: readonly SuccessRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const result = await sql<{ id: string }>`
    with input as (
      select * from unnest(
        ${records.map((r) => r.deliveryId)}::text[], ${records.map((r) => r.attempt)}::int[],
        ${records.map((r) => r.statusCode)}::int[], ${records.map((r) => Math.round(r.durationMs))}::int[]
      ) as t(delivery_id, attempt, status_code, duration_ms)
    ),
    updated as (
      update webhook_deliveries d
      set status = 'succeeded', attempts = i.attempt, last_status = i.status_code, last_error = null, completed_at = now()
      from input i
      where d.id = i.delivery_id and d.status = 'pending' and d.attempts = i.attempt - 1
      returning d.id, d.endpoint_id, i.attempt, i.status_code, i.duration_ms
    ),
    logged as (
      insert into webhook_attempts (delivery_id, attempt, status_code, duration_ms, error)
      select id, attempt, status_code, duration_ms, null from updated
    ),
    healed as (
      update webhook_endpoints set failing_since = null
      where id in (select endpoint_id from updated) and failing_since is not null
    )
    select id from updated`.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

/** Pending deliveries whose next attempt is overdue by `graceMs` (their job was lost): re-enqueue these. */
export async function overdueDeliveries(
  db: Db,
  options: { graceMs: number; limit: number },
): Promise<{ id: string; attempts: number }[]> {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'attempts'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<', new Date(Date.now() - options.graceMs))
    .orderBy('next_attempt_at')
    .limit(options.limit)
    .execute();
}

/** Rotates the account's signing secret; the old one keeps signing until `previousUntil`. */
export async function rotateAccountSecret(
  db: Db,
  accountId: string,
  sealedNew: string,
  previousUntil: Date,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      previous_webhook_secret: sql`webhook_secret`,
      previous_expires_at: previousUntil,
      webhook_secret: sealedNew,
    })
    .where('id', '=', accountId)
    .execute();
}

/**
 * A test event for one endpoint: an event already dispatched (so no other target gets it) and one
 * delivery of a single attempt to that endpoint. Returns the delivery id.
 */
export async function insertTestDelivery(
  db: Db,
  options: { accountId: string; endpointId: string; url: string; type: string; data: Record<string, unknown> },
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const event = await trx
      .insertInto('events')
      .values({
        id: sql<string>`events_next_id()`,
        account_id: options.accountId,
        type: options.type,
        data: JSON.stringify(options.data),
        dispatched_at: sql<Date>`now()`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const delivery = await trx
      .insertInto('webhook_deliveries')
      .values({
        id: sql<string>`'msg_' || substr(${event.id}, 5) || '_' || substr(${options.endpointId}, 6)`,
        account_id: options.accountId,
        event_id: event.id,
        endpoint_id: options.endpointId,
        target: 'endpoint',
        url: options.url,
        status: 'pending',
        max_attempts: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return delivery.id;
  });
}
