import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CodeError, CodeStatus } from '../domain/code.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type OptionalJson<T> = ColumnType<T, string | undefined, string>;

export interface ResultTable {
  key: string;
  sha256: string;
  content_type: string;
  bytes: Buffer;
  width: number;
  height: number;
  created_at: CreatedAt;
}

export interface CodeTable {
  id: string;
  account_id: string;
  status: CodeStatus;
  symbology: string;
  data: string;
  format: string;
  options: Json<Record<string, unknown>>;
  metadata: OptionalJson<Record<string, string>>;
  batch_id: string | null;
  result_key: string;
  error: ColumnType<CodeError | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  started_at: Date | null;
  completed_at: Date | null;
}

/** The database as kysely sees it: one entry per table. */
export interface Database {
  codes: CodeTable;
  results: ResultTable;
}

export type CodeRow = Selectable<CodeTable>;
export type NewCodeRow = Insertable<CodeTable>;
export type CodeRowUpdate = Updateable<CodeTable>;
export type ResultRow = Selectable<ResultTable>;
export type NewResultRow = Insertable<ResultTable>;
/** A result without its bytes: what the code object needs. */
export type ResultInfo = Omit<ResultRow, 'bytes'>;
