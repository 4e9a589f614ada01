import { sql, type Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // Content-addressed results: key = sha256 of the normalized render spec and renderer versions,
  // so identical requests share one stored image.
  await db.schema
    .createTable('results')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'processing', 'succeeded', 'failed', 'canceled')`),
    )
    .addColumn('symbology', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('batch_id', 'text')
    .addColumn('result_key', 'text', (c) => c.notNull())
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .execute();

  await db.schema.createIndex('codes_account_id_idx').on('codes').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('codes_account_status_idx').on('codes').columns(['account_id', 'status', 'id']).execute();
  await db.schema
    .createIndex('codes_account_batch_idx')
    .on('codes')
    .columns(['account_id', 'batch_id', 'id'])
    .execute();
  // The reconciler scans only unfinished codes.
  await sql`create index codes_unfinished_idx on codes (created_at) where status in ('queued', 'processing')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('codes').execute();
  await db.schema.dropTable('results').execute();
}
