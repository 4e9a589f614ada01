import { sql } from 'kysely';
import type { CodeError, CodeStatus } from '../domain/code.ts';
import { bumpBatchCounts, randomShard } from './batches.ts';
import { executePrepared, type Db } from './db.ts';
import type { CodeRow, NewResultRow } from './schema.ts';

/** Result facts the code object shows; present only once the code succeeded. */
export type ResultSummary = {
  sha256: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  /** Render fidelity (0006); null on results stored before it or not verified / without a dpi. */
  verification: Record<string, unknown> | null;
  print: Record<string, unknown> | null;
  renderer: Record<string, string> | null;
};
export type CodeWithResult = CodeRow & { result: ResultSummary | null };

type JoinedRow = CodeRow & {
  r_sha256: string | null;
  r_content_type: string | null;
  r_width: number | null;
  r_height: number | null;
  r_bytes: number | null;
  r_verification: Record<string, unknown> | null;
  r_print: Record<string, unknown> | null;
  r_renderer: Record<string, string> | null;
};

function selectCodesWithResult(db: Db) {
  return db
    .selectFrom('codes')
    .leftJoin('results', (join) =>
      join.onRef('results.key', '=', 'codes.result_key').on('codes.status', '=', 'succeeded'),
    )
    .selectAll('codes')
    .select([
      'results.sha256 as r_sha256',
      'results.content_type as r_content_type',
      'results.width as r_width',
      'results.height as r_height',
      sql<number | null>`octet_length(results.bytes)`.as('r_bytes'),
      'results.verification as r_verification',
      'results.print as r_print',
      'results.renderer as r_renderer',
    ]);
}

function withResult(row: JoinedRow): CodeWithResult {
  const { r_sha256, r_content_type, r_width, r_height, r_bytes, r_verification, r_print, r_renderer, ...code } = row;
  const result =
    r_sha256 === null
      ? null
      : {
          sha256: r_sha256,
          content_type: r_content_type!,
          width: r_width!,
          height: r_height!,
          bytes: r_bytes!,
          verification: r_verification,
          print: r_print,
          renderer: r_renderer,
        };
  return { ...code, result };
}

/** One of the account's codes, with its result summary; another account's id finds nothing. */
export async function findCodeById(db: Db, accountId: string, id: string): Promise<CodeWithResult | undefined> {
  const row = await selectCodesWithResult(db)
    .where('codes.account_id', '=', accountId)
    .where('codes.id', '=', id)
    .executeTakeFirst();
  return row && withResult(row as JoinedRow);
}

/** Any account's code by id, for operators (the CLI's `codes show`); never reached from the API. */
export async function findCodeForOperator(db: Db, id: string): Promise<CodeWithResult | undefined> {
  const row = await selectCodesWithResult(db).where('codes.id', '=', id).executeTakeFirst();
  return row && withResult(row as JoinedRow);
}

export type CodeFilter = { status?: CodeStatus; batchId?: string; before?: string; limit: number };

/** The account's codes, newest first, starting after the `before` id (cursor pagination). */
export async function listCodes(db: Db, accountId: string, filter: CodeFilter): Promise<CodeWithResult[]> {
  let query = selectCodesWithResult(db).where('codes.account_id', '=', accountId);
  if (filter.status) query = query.where('codes.status', '=', filter.status);
  if (filter.batchId) query = query.where('codes.batch_id', '=', filter.batchId);
  if (filter.before) query = query.where('codes.id', '<', filter.before);
  const rows = await query.orderBy('codes.id', 'desc').limit(filter.limit).execute();
  return rows.map((row) => withResult(row as JoinedRow));
}

// The columns of a code row, named: a prepared statement (executePrepared) must not `select *`, or the
// first migration that adds a column would make PostgreSQL refuse it in every running worker.
const CODE_COLUMNS = [
  'id',
  'account_id',
  'status',
  'symbology',
  'data',
  'format',
  'options',
  'metadata',
  'batch_id',
  'result_key',
  'error',
  'created_at',
  'started_at',
  'completed_at',
  'request_id',
  'webhook_url',
  'webhook_events',
  'render_job',
] as const satisfies readonly (keyof CodeRow)[];
// Fails to compile when CodeRow gains a column the list lacks.
const everyCodeColumn: Exclude<keyof CodeRow, (typeof CODE_COLUMNS)[number]> extends never ? true : never = true;
void everyCodeColumn;
const codeColumnList = sql.join(CODE_COLUMNS.map((column) => sql.ref(column)));

/**
 * Moves codes to processing for a worker, in one statement that also counts them in their batches and
 * tells whether each result is already stored. Codes gone or already terminal are left out, which
 * makes redelivered jobs no-ops. processing → processing is a redelivery after a stall.
 */
export async function claimCodes(db: Db, ids: readonly string[]): Promise<(CodeRow & { cached: boolean })[]> {
  if (ids.length === 0) return [];
  // started_at equals the statement's now() only when this claim set it: queued → processing.
  // Batch counter rows are taken in batch_id order, so concurrent claims cannot deadlock on them.
  const claimed = sql<CodeRow & { first_claim: boolean; cached: boolean }>`
    with claimed as (
      update codes set status = 'processing', started_at = coalesce(started_at, now())
      where id = any(${ids}::text[]) and status in ('queued', 'processing')
      returning ${codeColumnList}, started_at = now() as first_claim
    ),
    counted as (
      insert into batch_counts (batch_id, shard, processing)
      select batch_id, ${randomShard()}::int, count(*) from claimed where first_claim and batch_id is not null
      group by batch_id order by batch_id
      on conflict (batch_id, shard) do update set processing = batch_counts.processing + excluded.processing
    )
    select claimed.*, exists (select 1 from results where results.key = claimed.result_key) as cached from claimed`;
  const rows = await executePrepared(db, 'claim_codes', claimed);
  return rows.map(({ first_claim: _first, ...code }) => code);
}

/**
 * Moves an unfinished code to a terminal status, with its batch counters in the same transaction (its
 * event comes from the trigger). Returns the finished row, or undefined when the code was already terminal
 * (a canceled code stays canceled; a redelivered job finds nothing to do).
 */
async function finishCode(
  db: Db,
  where: { id: string; accountId?: string },
  change: { status: 'succeeded' | 'failed' | 'canceled'; error?: CodeError },
): Promise<CodeRow | undefined> {
  const finished = await db.transaction().execute(async (trx) => {
    let query = trx
      .updateTable('codes')
      .set({
        status: change.status,
        completed_at: sql`now()`,
        error: change.error ? JSON.stringify(change.error) : null,
      })
      .where('id', '=', where.id)
      .where('status', 'in', ['queued', 'processing']);
    if (where.accountId) query = query.where('account_id', '=', where.accountId);
    const row = await query.returningAll().executeTakeFirst();
    if (row?.batch_id) {
      // A code that was claimed (started_at set) leaves "processing"; one canceled while queued never entered it.
      await bumpBatchCounts(trx, row.batch_id, { [change.status]: 1, processing: row.started_at ? -1 : 0 });
    }
    return row;
  });
  return finished;
}

/** A rendered code to record: its result (absent when the content cache already had it). */
export type CompletedRender = { codeId: string; result?: NewResultRow };

/**
 * Stores rendered results and marks their codes succeeded, for many codes in one statement (the
 * worker coalesces the renders that finish together): the results, the status change (its events
 * come from the trigger) and the batch counters commit together or not at all. One statement, not a
 * transaction of four: each round trip costs the database about as much as the rows it writes.
 * A code canceled meanwhile stays canceled (undefined in its place).
 */
export async function completeRenders(
  db: Db,
  items: readonly CompletedRender[],
): Promise<({ id: string } | undefined)[]> {
  const results = items.flatMap((item) => (item.result ? [item.result] : []));
  const column = <K extends keyof NewResultRow>(key: K) => results.map((result) => result[key] ?? null);
  const ids = items.map((item) => item.codeId);
  const bytes = packed(results.map((result) => result.bytes));
  // Batch counter rows are taken in batch_id order, so concurrent completions cannot deadlock on them.
  const finished = await executePrepared(
    db,
    'complete_renders',
    sql<{ id: string }>`
      with stored as (
        insert into results (key, sha256, content_type, bytes, width, height, verification, print, renderer)
        select r.key, r.sha256, r.content_type, substring(${bytes.all}::bytea from r.start for r.length),
               r.width, r.height, r.verification, r.print, r.renderer
        from unnest(
          ${column('key')}::text[], ${column('sha256')}::text[], ${column('content_type')}::text[], ${bytes.starts}::int[], ${bytes.lengths}::int[],
          ${column('width')}::int[], ${column('height')}::int[], ${column('verification')}::jsonb[], ${column('print')}::jsonb[], ${column('renderer')}::jsonb[]
        ) as r(key, sha256, content_type, start, length, width, height, verification, print, renderer)
        on conflict (key) do nothing
      ),
      finished as (
        update codes set status = 'succeeded', completed_at = now(), error = null
        where id = any(${ids}::text[]) and status in ('queued', 'processing')
        returning id, batch_id, started_at
      ),
      counted as (
        insert into batch_counts (batch_id, shard, succeeded, processing)
        select batch_id, ${randomShard()}::int, count(*), -count(started_at) from finished where batch_id is not null
        group by batch_id order by batch_id
        on conflict (batch_id, shard) do update
          set succeeded = batch_counts.succeeded + excluded.succeeded, processing = batch_counts.processing + excluded.processing
      )
      select id from finished`,
  );
  const done = new Set(finished.map((row) => row.id));
  return ids.map((id) => (done.has(id) ? { id } : undefined));
}

/**
 * Many results' bytes as one parameter and where each starts (1-based, as substring counts) and how long it
 * is. node-postgres sends a Buffer as one binary parameter, but an array of them as a text array literal of
 * escaped hex: twice the bytes on the wire, encoded in JavaScript and parsed back character by character.
 */
function packed(parts: readonly Uint8Array[]): { all: Buffer; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  let at = 1;
  for (const part of parts) {
    starts.push(at);
    at += part.length;
  }
  return { all: Buffer.concat(parts), starts, lengths: parts.map((part) => part.length) };
}

/** Marks an unfinished code failed with a public error. */
export async function markFailed(db: Db, id: string, error: CodeError): Promise<boolean> {
  return (await finishCode(db, { id }, { status: 'failed', error })) !== undefined;
}

/** Points a code at the result its parameters render to today (after a renderer upgrade re-rendered it). */
export async function setResultKey(db: Db, id: string, key: string): Promise<void> {
  await db.updateTable('codes').set({ result_key: key }).where('id', '=', id).execute();
}

/** Cancels one of the account's codes if it has not finished; returns whether it changed. */
export async function cancelCode(db: Db, accountId: string, id: string): Promise<boolean> {
  return (await finishCode(db, { id, accountId }, { status: 'canceled' })) !== undefined;
}

/** A submission to record: the code's parameters; its status comes from the content cache. */
export type CodeSubmissionRow = {
  id: string;
  account_id: string;
  symbology: string;
  data: string;
  format: string;
  options: string;
  metadata: string;
  result_key: string;
  batch_id?: string | null;
  /** The submitting request's id, for logs. */
  request_id?: string | null;
  /** Per-request webhook and its event filter (JSON array; null = every code event). */
  webhook_url?: string | null;
  webhook_events?: string | null;
  /** The render job that will carry the code with others (its id); absent: a job of its own. */
  render_job?: string | null;
  /** Recorded as already terminal: a batch row that failed validation, or one of a canceled batch. */
  finished?: { status: 'failed'; error: CodeError } | { status: 'canceled' };
};

/**
 * Records many submissions in one statement. A code whose result is already stored (the content
 * cache) is recorded as succeeded at once; the others as queued. Returns the rows in input order.
 */
export async function insertSubmissions(db: Db, rows: readonly CodeSubmissionRow[]): Promise<CodeRow[]> {
  const column = <K extends keyof CodeSubmissionRow>(key: K) => rows.map((row) => row[key] ?? null);
  // unnest keeps the statement text the same for any batch size, so it runs prepared: PostgreSQL parses
  // and plans it once per connection instead of on every flush. Inside a batch expansion's transaction it
  // runs unprepared.
  const inserted = await executePrepared(
    db,
    'insert_submissions',
    sql<CodeRow & { ord: number }>`
    with input as (
      select * from unnest(
        ${column('id')}::text[], ${column('account_id')}::text[], ${column('symbology')}::text[], ${column('data')}::text[],
        ${column('format')}::text[], ${column('options')}::jsonb[], ${column('metadata')}::jsonb[], ${column('result_key')}::text[],
        ${column('batch_id')}::text[], ${column('request_id')}::text[], ${rows.map((r) => r.finished?.status ?? null)}::text[],
        ${rows.map((r) => (r.finished?.status === 'failed' ? JSON.stringify(r.finished.error) : null))}::jsonb[],
        ${column('webhook_url')}::text[], ${column('webhook_events')}::jsonb[], ${column('render_job')}::text[]
      ) with ordinality as i (id, account_id, symbology, data, format, options, metadata, result_key, batch_id, request_id, finished, error, webhook_url, webhook_events, render_job, ord)
    ),
    written as (
      insert into codes (id, account_id, status, symbology, data, format, options, metadata, result_key, batch_id, request_id, error, webhook_url, webhook_events, render_job, started_at, completed_at)
      select i.id, i.account_id, coalesce(i.finished, case when r.key is null then 'queued' else 'succeeded' end),
             i.symbology, i.data, i.format, i.options, i.metadata, i.result_key, i.batch_id, i.request_id, i.error, i.webhook_url, i.webhook_events, i.render_job,
             case when r.key is null or i.finished is not null then null else now() end,
             case when r.key is null and i.finished is null then null else now() end
      from input i left join results r on r.key = i.result_key
      returning ${codeColumnList}
    )
    select w.*, i.ord from written w join input i on i.id = w.id order by i.ord`,
  );
  return inserted.map(({ ord: _ord, ...row }) => row);
}

/** Removes codes that were never accepted (their enqueue failed). */
export async function deleteCodes(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('codes').where('id', 'in', ids).execute();
}

/** A batch's codes still waiting for a render, with the job each shares (null: a job of its own). */
export async function queuedCodes(db: Db, batchId: string): Promise<{ id: string; render_job: string | null }[]> {
  return db
    .selectFrom('codes')
    .select(['id', 'render_job'])
    .where('batch_id', '=', batchId)
    .where('status', '=', 'queued')
    .orderBy('id')
    .execute();
}
