import type { Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // Self-service keys: a name, a scope (`full`, or `render` for pages), an optional expiry (a rolled key's
  // grace period ends there) and when it was last used (written at most once a minute per key).
  await db.schema
    .alterTable('api_keys')
    .addColumn('name', 'text')
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo('full'))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  // An operator's per-account monthly quota, over the plan's.
  await db.schema.alterTable('accounts').addColumn('monthly_quota', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('monthly_quota').execute();
  await db.schema
    .alterTable('api_keys')
    .dropColumn('name')
    .dropColumn('scope')
    .dropColumn('expires_at')
    .dropColumn('last_used_at')
    .execute();
}
