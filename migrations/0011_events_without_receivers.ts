import { sql, type Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // A code event that nothing could receive (no webhook_url on the code or its batch, no enabled
  // endpoint on the account when it is written) is written already dispatched: the dispatcher would only
  // mark it, one update per event, and most events are of accounts that pull or poll. An endpoint
  // receives the events written while it is enabled, as a re-enabled one does.
  await sql`
    create or replace function codes_event() returns trigger language plpgsql as $$
    begin
      if new.status in ('succeeded', 'failed', 'canceled') and (tg_op = 'INSERT' or old.status is distinct from new.status) then
        insert into events (id, account_id, type, code_id, batch_id, data, dispatched_at)
        values (events_next_id(), new.account_id, 'code.' || new.status, new.id, new.batch_id,
          jsonb_build_object('id', new.id, 'object', 'code', 'status', new.status, 'batch_id', new.batch_id,
            'error', new.error,
            'links', jsonb_build_object('self', '/v1/codes/' || new.id,
              'content', case when new.status = 'succeeded' then '/v1/codes/' || new.id || '/content' end)),
          case when new.webhook_url is null
            and not exists (select 1 from webhook_endpoints w where w.account_id = new.account_id and w.disabled_at is null)
            and (new.batch_id is null or not exists (select 1 from batches b where b.id = new.batch_id and b.webhook_url is not null))
          then now() end);
      end if;
      return null;
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function codes_event() returns trigger language plpgsql as $$
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
}
