import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { BatchRow } from './schema.ts';

const SHARDS = 8;

/** The counter shard a write goes to: random, so concurrent writers rarely meet on one row. */
export const randomShard = () => Math.floor(Math.random() * SHARDS);

/** A batch's rows by state (the batch object's `counts`); total is every row of the file. */
export const BATCH_COUNT_NAMES = ['total', 'queued', 'processing', 'succeeded', 'failed', 'canceled'] as const;
/** The batch object's statuses: those stored, and processing (queued, with a row started). */
export const BATCH_STATUSES = ['validating', 'queued', 'processing', 'completed', 'failed', 'canceled'] as const;
export type BatchCounts = Record<(typeof BATCH_COUNT_NAMES)[number], number>;
export type BatchWithCounts = BatchRow & { counts: BatchCounts };
type Delta = Partial<Record<'expanded' | 'processing' | 'succeeded' | 'failed' | 'canceled', number>>;

/** Adds to a batch's counters (one random shard, so concurrent workers rarely wait on each other). */
export async function bumpBatchCounts(db: Db, batchId: string, delta: Delta): Promise<void> {
  const values = { expanded: 0, processing: 0, succeeded: 0, failed: 0, canceled: 0, ...delta };
  await db
    .insertInto('batch_counts')
    .values({ batch_id: batchId, shard: randomShard(), ...values })
    .onConflict((oc) =>
      oc.columns(['batch_id', 'shard']).doUpdateSet((eb) => ({
        expanded: eb('batch_counts.expanded', '+', values.expanded),
        processing: eb('batch_counts.processing', '+', values.processing),
        succeeded: eb('batch_counts.succeeded', '+', values.succeeded),
        failed: eb('batch_counts.failed', '+', values.failed),
        canceled: eb('batch_counts.canceled', '+', values.canceled),
      })),
    )
    .execute();
}

async function sumCounts(db: Db, batchIds: readonly string[]) {
  if (batchIds.length === 0) return new Map<string, Omit<BatchCounts, 'total' | 'queued'>>();
  const rows = await db
    .selectFrom('batch_counts')
    .select('batch_id')
    .select([
      sql<number>`sum(processing)::int`.as('processing'),
      sql<number>`sum(succeeded)::int`.as('succeeded'),
      sql<number>`sum(failed)::int`.as('failed'),
      sql<number>`sum(canceled)::int`.as('canceled'),
    ])
    .where('batch_id', 'in', batchIds)
    .groupBy('batch_id')
    .execute();
  return new Map(
    rows.map((r) => [
      r.batch_id,
      { processing: r.processing, succeeded: r.succeeded, failed: r.failed, canceled: r.canceled },
    ]),
  );
}

function withCounts(batch: BatchRow, sums: Omit<BatchCounts, 'total' | 'queued'> | undefined): BatchWithCounts {
  const { processing = 0, succeeded = 0, failed = 0, canceled = 0 } = sums ?? {};
  const queued = Math.max(0, batch.total - processing - succeeded - failed - canceled);
  return { ...batch, counts: { total: batch.total, queued, processing, succeeded, failed, canceled } };
}

export async function insertBatch(
  db: Db,
  batch: {
    id: string;
    account_id: string;
    defaults: Record<string, unknown>;
    source_type: string;
    webhook_url?: string | null;
    webhook_events?: string | null;
  },
): Promise<void> {
  await db
    .insertInto('batches')
    .values({ ...batch, status: 'validating', defaults: JSON.stringify(batch.defaults) })
    .execute();
}

export type UploadedRow = {
  row_number: number;
  fields: Record<string, unknown>;
  custom_id: string | null;
  filename: string | null;
};

/**
 * Inserts the batch if the account has fewer than `limit` active ones, atomically: a transaction-scoped
 * advisory lock per account serialises concurrent uploads' count-and-insert (call inside a transaction).
 */
export async function insertBatchWithinLimit(
  trx: Db,
  batch: Parameters<typeof insertBatch>[1],
  limit: number,
): Promise<boolean> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`batches:${batch.account_id}`}, 0))`.execute(trx);
  if ((await countActiveBatches(trx, batch.account_id)) >= limit) return false;
  await insertBatch(trx, batch);
  return true;
}

/** Stores a chunk of parsed upload rows. */
export async function insertBatchRows(db: Db, batchId: string, rows: readonly UploadedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('batch_rows')
    .values(
      rows.map((r) => ({
        batch_id: batchId,
        row_number: r.row_number,
        fields: JSON.stringify(r.fields),
        custom_id: r.custom_id,
        filename: r.filename,
      })),
    )
    .execute();
}

export async function setBatchTotal(db: Db, id: string, total: number): Promise<void> {
  await db.updateTable('batches').set({ total }).where('id', '=', id).execute();
}

/**
 * One of the account's batches with its counts; another account's id finds nothing. A batch whose
 * rows are all terminal but which is not marked completed (the process that finished its last code
 * died before completing it) is completed here, on read.
 */
export async function findBatch(db: Db, accountId: string, id: string): Promise<BatchWithCounts | undefined> {
  const batch = await db
    .selectFrom('batches')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!batch) return undefined;
  const found = withCounts(batch, (await sumCounts(db, [id])).get(id));
  const { succeeded, failed, canceled } = found.counts;
  if (batch.status === 'queued' && batch.expanded_at && succeeded + failed + canceled >= batch.total) {
    const completed = await completeBatchIfDone(db, id);
    if (completed) return { ...found, ...completed };
  }
  return found;
}

/** A batch by id alone, for workers. */
export async function findBatchById(db: Db, id: string): Promise<BatchRow | undefined> {
  return db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The account's batches, newest first, after the `before` id. */
export async function listBatches(
  db: Db,
  accountId: string,
  filter: { before?: string; limit: number },
): Promise<BatchWithCounts[]> {
  let query = db.selectFrom('batches').selectAll().where('account_id', '=', accountId);
  if (filter.before) query = query.where('id', '<', filter.before);
  const batches = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  const sums = await sumCounts(
    db,
    batches.map((b) => b.id),
  );
  return batches.map((b) => withCounts(b, sums.get(b.id)));
}

/** Batches of the account still uploading, expanding or rendering (for the plan's concurrency limit). */
export async function countActiveBatches(db: Db, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('status', 'in', ['validating', 'queued'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Rows not yet turned into codes, in row order. */
export async function nextUnexpandedRows(db: Db, batchId: string, limit: number) {
  return db
    .selectFrom('batch_rows')
    .selectAll()
    .where('batch_id', '=', batchId)
    .where('code_id', 'is', null)
    .orderBy('row_number')
    .limit(limit)
    .execute();
}

/** Points rows at the codes made from them. */
export async function linkRowsToCodes(
  db: Db,
  batchId: string,
  links: readonly { row_number: number; code_id: string }[],
): Promise<void> {
  if (links.length === 0) return;
  await sql`
    update batch_rows r set code_id = l.code_id
    from unnest(${links.map((l) => l.row_number)}::int[], ${links.map((l) => l.code_id)}::text[]) as l(row_number, code_id)
    where r.batch_id = ${batchId} and r.row_number = l.row_number`.execute(db);
}

/** Counts rows that failed validation during expansion. */
export async function addInvalidRows(db: Db, id: string, count: number): Promise<void> {
  if (count > 0)
    await db
      .updateTable('batches')
      .set((eb) => ({ invalid: eb('invalid', '+', count) }))
      .where('id', '=', id)
      .execute();
}

/** Batches still `validating` (not yet expanded) created before `before`, oldest first after `after`. */
export async function listUnexpandedBatches(
  db: Db,
  options: { before: Date; after?: string; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('batches')
    .select('id')
    .where('status', '=', 'validating')
    .where('created_at', '<', options.before);
  if (options.after) query = query.where('id', '>', options.after);
  return (await query.orderBy('id').limit(options.limit).execute()).map((r) => r.id);
}

/** Removes a batch that was never accepted (its expansion could not be enqueued). */
export async function deleteBatch(db: Db, id: string): Promise<void> {
  await db.deleteFrom('batches').where('id', '=', id).execute();
}

export async function markBatchExpanded(db: Db, id: string): Promise<void> {
  await db
    .updateTable('batches')
    .set({ status: 'queued', expanded_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'validating')
    .execute();
}

export async function markBatchFailed(db: Db, id: string, error: { code: string; message: string }): Promise<void> {
  await db
    .updateTable('batches')
    .set({ status: 'failed', completed_at: sql`now()`, error: JSON.stringify(error) })
    .where('id', '=', id)
    .where('status', '=', 'validating')
    .execute();
}

/**
 * Marks an expanded batch completed once every row is terminal. Runs outside the transactions that
 * finish codes (which cannot see each other's counter increments), from the batches worker's sweep
 * and on read. Returns the batch when this call completed it.
 */
export async function completeBatchIfDone(db: Db, id: string): Promise<BatchRow | undefined> {
  return db
    .updateTable('batches')
    .set({ status: 'completed', completed_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where(
      sql<boolean>`total <= (select coalesce(sum(succeeded + failed + canceled), 0) from batch_counts where batch_id = ${id})`,
    )
    .returningAll()
    .executeTakeFirst();
}

/** Completes every expanded batch whose rows are all terminal; returns those it completed. */
export async function completeFinishedBatches(db: Db): Promise<BatchRow[]> {
  return db
    .updateTable('batches')
    .set({ status: 'completed', completed_at: sql`now()` })
    .where('status', '=', 'queued')
    .where('expanded_at', 'is not', null)
    .where(
      sql<boolean>`total <= (select coalesce(sum(succeeded + failed + canceled), 0) from batch_counts where batch_counts.batch_id = batches.id)`,
    )
    .returningAll()
    .execute();
}

/**
 * Cancels a batch: its queued codes become canceled (finished ones are kept); rows not yet expanded
 * are canceled as the expansion worker reaches them. Returns the ids of the codes canceled here.
 */
export async function cancelBatch(db: Db, accountId: string, id: string): Promise<string[] | undefined> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .updateTable('batches')
      .set({ status: 'canceled', completed_at: sql`now()` })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('status', 'in', ['validating', 'queued'])
      .returning('id')
      .executeTakeFirst();
    if (!batch) return undefined;
    const canceled = await trx
      .updateTable('codes')
      .set({ status: 'canceled', completed_at: sql`now()` })
      .where('batch_id', '=', id)
      .where('status', '=', 'queued')
      .returning('id')
      .execute();
    if (canceled.length > 0) await bumpBatchCounts(trx, id, { canceled: canceled.length });
    return canceled.map((c) => c.id);
  });
}

/**
 * Puts a batch's failed renders back in the queue (rows that failed validation would only fail
 * again, so they stay failed). Returns the ids to enqueue.
 */
export async function retryBatch(db: Db, accountId: string, id: string): Promise<string[] | undefined> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .selectFrom('batches')
      .select(['id', 'status'])
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!batch) return undefined;
    const retried = await trx
      .updateTable('codes')
      // Each retried code gets a render job of its own: the job it shared may still be running others.
      .set({ status: 'queued', error: null, started_at: null, completed_at: null, render_job: null })
      .where('batch_id', '=', id)
      .where('status', '=', 'failed')
      .where(sql<boolean>`coalesce(error->>'code', '') <> 'validation_failed'`)
      .returning('id')
      .execute();
    if (retried.length > 0) {
      await bumpBatchCounts(trx, id, { failed: -retried.length });
      await trx
        .updateTable('batches')
        .set({ status: 'queued', completed_at: null })
        .where('id', '=', id)
        .where('status', '=', 'completed')
        .execute();
    }
    return retried.map((r) => r.id);
  });
}

/**
 * A page of a batch's rows with their codes and result facts (no bytes), in row order. Two index
 * lookups instead of one join: on freshly loaded tables the planner's join plan scanned every code
 * for every page.
 */
export async function batchManifestPage(db: Db, batchId: string, afterRow: number, limit: number) {
  const rows = await db
    .selectFrom('batch_rows')
    .select(['row_number', 'custom_id', 'filename', 'code_id'])
    .where('batch_id', '=', batchId)
    .where('row_number', '>', afterRow)
    .orderBy('row_number')
    .limit(limit)
    .execute();
  const codeIds = rows.flatMap((r) => (r.code_id ? [r.code_id] : []));
  const codes =
    codeIds.length === 0
      ? []
      : await db
          .selectFrom('codes as c')
          .leftJoin('results as res', (join) =>
            join.onRef('res.key', '=', 'c.result_key').on('c.status', '=', 'succeeded'),
          )
          .select(['c.id', 'c.status', 'c.format', 'c.error', 'c.result_key', 'res.sha256'])
          .where('c.id', 'in', codeIds)
          .execute();
  const byId = new Map(codes.map((c) => [c.id, c]));
  return rows.map((r) => {
    const code = r.code_id ? byId.get(r.code_id) : undefined;
    return {
      ...r,
      status: code?.status ?? null,
      format: code?.format ?? null,
      error: code?.error ?? null,
      sha256: code?.sha256 ?? null,
      result_key: code?.status === 'succeeded' ? code.result_key : null,
    };
  });
}
