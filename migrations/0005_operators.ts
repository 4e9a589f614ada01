import { sql, type Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // The id of the request that created a code, so the worker's (and the webhook's) log lines can be
  // found from the API's.
  await db.schema.alterTable('codes').addColumn('request_id', 'text').execute();
  // Retention asks "does any code younger than its plan's retention still point at this result?".
  await db.schema.createIndex('codes_result_key_idx').on('codes').columns(['result_key', 'created_at']).execute();
  await db.schema.createIndex('results_created_at_idx').on('results').column('created_at').execute();
  // Code-row retention scans finished codes by age.
  await sql`create index codes_finished_created_idx on codes (created_at) where status in ('succeeded', 'failed', 'canceled')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('codes_finished_created_idx').execute();
  await db.schema.dropIndex('results_created_at_idx').execute();
  await db.schema.dropIndex('codes_result_key_idx').execute();
  await db.schema.alterTable('codes').dropColumn('request_id').execute();
}
