import type { Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // The render job that carries the code when it shares one with others (its id); null: the job's id is
  // the code's own. The reconciler looks a code's job up by it. Nullable, no default: instant on a big table.
  await db.schema.alterTable('codes').addColumn('render_job', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('codes').dropColumn('render_job').execute();
}
