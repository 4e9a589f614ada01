import { sql, type Kysely } from 'kysely';

// Frozen: never import from src/.
export async function up(db: Kysely<any>): Promise<void> {
  // The event log. Rows are written by triggers in the same transaction as the status change, so an
  // event exists exactly when its change committed, whatever happens to the process afterwards.
  // id = evt_ + writing transaction id + sequence (both zero-padded digits): the pull feed returns only
  // events of transactions older than every running one, in id order, so a page never skips an event
  // that commits later with a smaller id.
  await sql`create sequence events_seq`.execute(db);
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('xid', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('code_id', 'text')
    .addColumn('batch_id', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Set when the dispatcher turned the event into deliveries.
    .addColumn('dispatched_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('events_account_idx').on('events').columns(['account_id', 'id']).execute();
  await sql`create index events_undispatched_idx on events (id) where dispatched_at is null`.execute(db);
  await db.schema.createIndex('events_created_idx').on('events').column('created_at').execute();

  await sql`
    create function events_next_id() returns text language sql as $$
      select 'evt_' || lpad(pg_current_xact_id()::text, 13, '0') || lpad(nextval('events_seq')::text, 13, '0')
    $$`.execute(db);
  await sql`
    create function codes_event() returns trigger language plpgsql as $$
    begin
      if new.status in ('succeeded', 'failed', 'canceled') and (tg_op = 'INSERT' or old.status is distinct from new.status) then
        insert into events (id, account_id, type, code_id, batch_id, data)
        values (events_next_id(), new.account_id, 'code.' || new.status, new.id, new.batch_id,
          jsonb_build_object('id', new.id, 'object', 'code', 'status', new.status, 'batch_id', new.batch_id,
            'error', new.error,
            'links', jsonb_build_object('self', '/v1/codes/' || new.id,
              'content', case when new.status = 'succeeded' then '/v1/codes/' || new.id || '/content' end)));
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger codes_event after insert or update of status on codes for each row execute function codes_event()`.execute(
    db,
  );
  await sql`
    create function batches_event() returns trigger language plpgsql as $$
    begin
      if new.status = 'completed' and old.status is distinct from new.status then
        insert into events (id, account_id, type, batch_id, data)
        values (events_next_id(), new.account_id, 'batch.completed', new.id,
          jsonb_build_object('id', new.id, 'object', 'batch', 'status', new.status,
            'links', jsonb_build_object('self', '/v1/batches/' || new.id, 'results', '/v1/batches/' || new.id || '/results.zip')));
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger batches_event after update of status on batches for each row execute function batches_event()`.execute(
    db,
  );

  // Per-request webhooks (signed with the account's secret).
  await db.schema.alterTable('codes').addColumn('webhook_url', 'text').addColumn('webhook_events', 'jsonb').execute();
  await db.schema.alterTable('batches').addColumn('webhook_url', 'text').addColumn('webhook_events', 'jsonb').execute();
  // Rotation: the previous secret keeps signing alongside until previous_expires_at.
  await db.schema
    .alterTable('accounts')
    .addColumn('previous_webhook_secret', 'text')
    .addColumn('previous_expires_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('failing_since', 'timestamptz')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('disabled_reason', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_account_idx')
    .on('webhook_endpoints')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.references('webhook_endpoints.id').onDelete('cascade'))
    // 'endpoint' | 'code' | 'batch': which per-request URL (or the endpoint) this goes to.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | succeeded | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await sql`create unique index webhook_deliveries_once on webhook_deliveries (event_id, target, coalesce(endpoint_id, ''))`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_deliveries_endpoint_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .execute();
  await sql`create index webhook_deliveries_pending_idx on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema.createIndex('webhook_deliveries_created_idx').on('webhook_deliveries').column('created_at').execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema
    .alterTable('accounts')
    .dropColumn('previous_webhook_secret')
    .dropColumn('previous_expires_at')
    .execute();
  await db.schema.alterTable('batches').dropColumn('webhook_url').dropColumn('webhook_events').execute();
  await db.schema.alterTable('codes').dropColumn('webhook_url').dropColumn('webhook_events').execute();
  await sql`drop trigger batches_event on batches`.execute(db);
  await sql`drop trigger codes_event on codes`.execute(db);
  await sql`drop function batches_event(), codes_event(), events_next_id()`.execute(db);
  await db.schema.dropTable('events').execute();
  await sql`drop sequence events_seq`.execute(db);
}
