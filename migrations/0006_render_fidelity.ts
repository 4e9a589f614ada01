import type { Kysely } from 'kysely';

// Frozen: never import from src/. Later changes go in new migrations.
export async function up(db: Kysely<any>): Promise<void> {
  // What the decoder read back from the stored bytes (null when the render was not verified), the
  // physical size at the render's dpi (null for a bare pixel image), and the renderer versions that drew it.
  await db.schema
    .alterTable('results')
    .addColumn('verification', 'jsonb')
    .addColumn('print', 'jsonb')
    .addColumn('renderer', 'jsonb')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('results').dropColumn('verification').dropColumn('print').dropColumn('renderer').execute();
}
