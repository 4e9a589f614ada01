import { sql, type Kysely } from 'kysely';

// Frozen: never import from src/.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    // validating | queued | completed | failed | canceled; "processing" is derived from the counters on read.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invalid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('defaults', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expanded_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('batches_account_idx').on('batches').columns(['account_id', 'id']).execute();

  // The uploaded rows as parsed; code_id is set when the expansion worker turns the row into a code.
  await db.schema
    .createTable('batch_rows')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('row_number', 'integer', (c) => c.notNull())
    .addColumn('fields', 'jsonb', (c) => c.notNull())
    .addColumn('custom_id', 'text')
    .addColumn('filename', 'text')
    .addColumn('code_id', 'text')
    .addPrimaryKeyConstraint('batch_rows_pk', ['batch_id', 'row_number'])
    .execute();

  // Sharded counters: each finishing code bumps one random shard, so concurrent workers do not queue
  // on one hot row; a poll sums at most a handful of shard rows instead of counting the batch.
  await db.schema
    .createTable('batch_counts')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('expanded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processing', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('canceled', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('batch_counts_pk', ['batch_id', 'shard'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('batch_counts').execute();
  await db.schema.dropTable('batch_rows').execute();
  await db.schema.dropTable('batches').execute();
}
