import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { CodeError, CodeStatus } from '../domain/code.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type OptionalJson<T> = ColumnType<T, string | undefined, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface ResultTable {
  key: string;
  sha256: string;
  content_type: string;
  bytes: Buffer;
  width: number;
  height: number;
  created_at: CreatedAt;
  /** Render fidelity (0006): decoder read-back, physical size, renderer versions; jsonb, null when absent. */
  verification: NullableJson<Record<string, unknown>>;
  print: NullableJson<Record<string, unknown>>;
  renderer: NullableJson<Record<string, string>>;
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
  /** The id of the request that created the code (logs follow it into the worker). */
  request_id: ColumnType<string | null, string | null | undefined, never>;
  /** Per-request webhook (0007) and the event types it wants (null = every code event). */
  webhook_url: ColumnType<string | null, string | null | undefined, string | null>;
  webhook_events: NullableJson<string[]>;
  /** The render job carrying the code with others (0010), by id; null when the job's id is the code's own. */
  render_job: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AccountTable {
  id: string;
  name: string;
  plan: string;
  webhook_secret: string;
  created_at: CreatedAt;
  /** After a rotation the previous secret keeps signing until previous_expires_at (0007). */
  previous_webhook_secret: ColumnType<string | null, string | null | undefined, string | null>;
  previous_expires_at: ColumnType<Date | null, Date | null | undefined, Date | string | null>;
  /** Set while an operator has suspended the account: its keys get 403 account_suspended (0008). */
  suspended_at: ColumnType<Date | null, Date | null | undefined, Date | string | null>;
  /** An operator's monthly quota for this account, over its plan's (0009). */
  monthly_quota: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One operator change to a key or an account (0008): who, what, when. */
export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor: string;
  action: string;
  account_id: string | null;
  target_id: string | null;
  detail: ColumnType<Record<string, unknown>, Record<string, unknown> | string | undefined, never>;
}

export interface ApiKeyTable {
  id: string;
  account_id: string;
  hash: string;
  prefix: string;
  plan: string | null;
  rate: number | null;
  burst: number | null;
  created_at: CreatedAt;
  revoked_at: Date | null;
  /** A label the owner chose (0009). */
  name: ColumnType<string | null, string | null | undefined, string | null>;
  /** `full`, or `render`: may only render and read (a publishable key for pages) (0009). */
  scope: ColumnType<KeyScope, KeyScope | undefined, KeyScope>;
  /** After this the key is refused; a rolled key's grace period ends here (0009). */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When the key last authenticated a request, to the minute (0009). */
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type KeyScope = 'full' | 'render';

export interface IdempotencyKeyTable {
  account_id: string;
  key: string;
  request_hash: string;
  /** null while the first request is still in flight */
  status: number | null;
  response_headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  response_body: string | null;
  created_at: CreatedAt;
  expires_at: Date;
}

export interface BatchTable {
  id: string;
  account_id: string;
  status: 'validating' | 'queued' | 'completed' | 'failed' | 'canceled';
  total: Generated<number>;
  invalid: Generated<number>;
  defaults: ColumnType<Record<string, unknown>, string | undefined, string>;
  source_type: string;
  error: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  expanded_at: Date | null;
  completed_at: Date | null;
  webhook_url: ColumnType<string | null, string | null | undefined, string | null>;
  webhook_events: NullableJson<string[]>;
}

export interface BatchRowTable {
  batch_id: string;
  row_number: number;
  fields: ColumnType<Record<string, unknown>, string, string>;
  custom_id: string | null;
  filename: string | null;
  code_id: string | null;
}

export interface BatchCountTable {
  batch_id: string;
  shard: number;
  expanded: Generated<number>;
  processing: Generated<number>;
  succeeded: Generated<number>;
  failed: Generated<number>;
  canceled: Generated<number>;
}

export interface EventTable {
  id: string;
  account_id: string;
  type: string;
  code_id: string | null;
  batch_id: string | null;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  dispatched_at: Date | null;
}

export interface WebhookEndpointTable {
  id: string;
  account_id: string;
  url: string;
  events: Json<string[]>;
  /** sealed with SECRETS_KEY */
  secret: string;
  created_at: CreatedAt;
  failing_since: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryTable {
  id: string;
  account_id: string;
  event_id: string;
  endpoint_id: string | null;
  target: 'endpoint' | 'code' | 'batch';
  url: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  max_attempts: number;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_status: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  completed_at: Date | null;
}

export interface WebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  created_at: CreatedAt;
}

/** The database as kysely sees it: one entry per table. */
export interface Database {
  codes: CodeTable;
  results: ResultTable;
  batches: BatchTable;
  batch_rows: BatchRowTable;
  batch_counts: BatchCountTable;
  accounts: AccountTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeyTable;
  idempotency_keys: IdempotencyKeyTable;
  events: EventTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
}

export type CodeRow = Selectable<CodeTable>;
export type ResultRow = Selectable<ResultTable>;
export type NewResultRow = Insertable<ResultTable>;
export type AccountRow = Selectable<AccountTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type NewApiKeyRow = Insertable<ApiKeyTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;
export type BatchRow = Selectable<BatchTable>;
export type BatchRowRow = Selectable<BatchRowTable>;
export type EventRow = Selectable<EventTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;
