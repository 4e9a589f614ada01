import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';

const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const count = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
/** The URL's scheme, or undefined when it is not a URL at all (never a TypeError). */
function schemeOf(text: string): string | undefined {
  return URL.canParse(text) ? new URL(text).protocol : undefined;
}
const url = (protocols: string[]) =>
  v.pipe(
    v.string(),
    v.check(
      (s) => protocols.includes(schemeOf(s) ?? ''),
      `must be a URL starting ${protocols.map((p) => `${p}//`).join(' or ')}`,
    ),
  );

const bool = v.pipe(
  v.union([v.boolean(), v.picklist(['true', 'false', '1', '0'])], 'must be true or false'),
  v.transform((value) => value === true || value === 'true' || value === '1'),
);

/** "10.0.0.0/8, 127.0.0.1" → validated CIDR strings (a bare address is a /32 or /128). */
const cidrList = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ),
  v.check(
    (list) => list.every((cidr) => parseCidr(cidr) !== undefined),
    'must be a comma-separated list of IPs or CIDRs',
  ),
);

export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits] = cidr.split('/');
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A BlockList of the given CIDRs, for fast membership checks. */
export function toBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/** One plan: a token bucket (`burst` capacity, `rate` tokens/s) and batch quotas. */
export const PlanSchema = v.strictObject({
  rate: v.pipe(v.number(), v.minValue(0.001)),
  burst: v.pipe(v.number(), v.integer(), v.minValue(1)),
  maxBatchRows: count(1, 10_000_000),
  maxConcurrentBatches: count(1, 10_000),
  /** Days a result stays stored for this plan's codes. @defaultValue RETENTION_DAYS */
  retentionDays: v.optional(v.pipe(v.number(), v.minValue(0.0001))),
  /** Whether this plan's renders are decoded back before they succeed, unless a request says `verify`. */
  verify: v.optional(v.boolean(), true),
  /** Code units per UTC month (a plain code is 1 unit); an account's own quota overrides it. @defaultValue unlimited */
  monthlyQuota: v.optional(count(1, 1_000_000_000_000)),
  /** Units a styled code (module or finder style) costs against the quota. */
  styledCost: v.optional(count(1, 1000), 2),
  /** Units a code with a logo costs against the quota. */
  logoCost: v.optional(count(1, 1000), 5),
});
export type Plan = v.InferOutput<typeof PlanSchema>;

/** The whole configuration: every limit the service enforces has a name here. */
export const ConfigSchema = v.object({
  /** `production` refuses the published development secrets (see productionProblems). */
  nodeEnv: v.string(),
  port,
  /** Where clients reach this API: the base of problem `type` URIs (RFC 9457) and of absolute links. */
  publicBaseUrl: url(['http:', 'https:']),
  redisUrl: url(['redis:', 'rediss:']),
  databaseUrl: url(['postgres:', 'postgresql:']),
  workers: count(0, 256),
  apiProcesses: count(1, 256),
  logLevel: v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  queuePrefix: v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,40}$/i)),
  bodyLimitBytes: count(1024, 100 * 1024 * 1024),
  /** Longest pause between two pieces of a request body before the request is cut off with 408. */
  bodyIdleTimeoutMs: count(100, 600_000),
  /** Longest a request body (JSON or batch upload) may take to arrive in full before 408. */
  bodyTimeoutMs: count(100, 3_600_000),
  /** Worker threads per API (and batch worker) process that run the encoders' capacity preflights. */
  preflightThreads: count(1, 256),
  /** Time budget of one preflight (one request, one batch row); over it the request is 422 on `data`. */
  preflightTimeoutMs: count(10, 600_000),
  /** Preflight threads one account (an anonymous caller: one IP) may occupy at once; the rest of its requests queue. */
  preflightMaxPerAccount: count(1, 256),
  /** Preflights one account may have waiting; more answer 429. */
  preflightQueuePerAccount: count(1, 100_000),
  /** Elements an SVG logo may have (librsvg's cost grows with them). */
  logoSvgMaxElements: count(1, 1_000_000),
  /** `<use>` elements an SVG logo may have; a `<use>` inside something referenced by another `<use>` is refused. */
  logoSvgMaxUses: count(0, 100_000),
  metadataMaxKeys: count(0, 100),
  metadataMaxValueLength: count(1, 10_000),
  listDefaultLimit: count(1, 1000),
  listMaxLimit: count(1, 1000),
  renderConcurrency: count(1, 256),
  /** Codes one render job carries at most, each keeping its own status: fewer queue operations per code. */
  renderJobCodes: count(1, 1000),
  renderLockMs: count(1000, 600_000),
  renderStalledIntervalMs: count(500, 600_000),
  renderMaxStalledCount: count(0, 100),
  pgPoolSize: count(1, 1000),
  /**
   * How long the API keeps an idle keep-alive connection. Above a load balancer's idle timeout (60 s on
   * AWS ALB and most proxies) so the balancer, not the API, closes idle connections: otherwise it may
   * reuse one the API just closed and answer a client 502. Up to 15 min, for balancers that keep
   * backend connections 10 min (Google Cloud's); requestTimeout is raised above it when needed.
   */
  httpKeepAliveTimeoutMs: count(1000, 900_000),
  submitBatchMax: count(1, 10_000),
  /** How long, under steady concurrent intake, an API process's insert waits for more submissions to fill a render job; 0: never. */
  submitLingerMs: count(0, 100),
  batchMaxRows: count(1, 10_000_000),
  batchMaxBytes: count(1024, 10 * 1024 * 1024 * 1024),
  batchRowMaxBytes: count(64, 10 * 1024 * 1024),
  batchChunkRows: count(1, 100_000),
  /** Batches one batch-worker process expands at once. */
  batchConcurrency: count(1, 1000),
  batchValidateMaxErrors: count(1, 1_000_000),
  batchSweepMs: count(50, 600_000),
  batchLockMs: count(1000, 3_600_000),
  batchMaxStalledCount: count(0, 100),
  maintenanceLockMs: count(1000, 3_600_000),
  heapMb: count(32, 65_536),
  semiSpaceMb: count(1, 256),
  /** How far a worker's old generation grows past what survived a full collection before the next one; 0: V8's own choice. */
  workerHeapGrowthPercent: count(0, 1000),
  apiSemiSpaceMb: count(1, 256),
  shutdownTimeoutMs: count(100, 600_000),
  /** How long a process waits for Redis and PostgreSQL at start (retrying with backoff) before it exits 1. */
  startupTimeoutMs: count(0, 3_600_000),
  /** The supervisor's first restart delay for a crashed child; doubles per crash, up to the max. */
  restartBackoffMs: count(10, 600_000),
  restartBackoffMaxMs: count(10, 3_600_000),
  /** Crashes of one role within the window after which the supervisor stops everything and exits 1. */
  restartMaxFailures: count(1, 1000),
  restartWindowMs: count(1000, 86_400_000),
  /** Fraction of successful requests (status < 400) written to the access log; failures always are. */
  accessLogSample: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  /** Port of a worker process's /healthz and /readyz (0 = none: several workers share one machine). */
  workerHealthPort: count(0, 65535),
  retryAfterSeconds: count(1, 3600),
  anonymous: bool,
  trustedProxies: cidrList,
  plans: v.pipe(
    v.record(v.pipe(v.string(), v.regex(/^[a-z0-9_-]+$/)), PlanSchema),
    v.check((plans) => 'anonymous' in plans, 'config/plans.json must define an "anonymous" plan'),
  ),
  defaultPlan: v.string(),
  keyCacheTtlMs: count(0, 3_600_000),
  ipFloodPerSecond: count(1, 10_000_000),
  authFailuresPerMinute: count(1, 1_000_000),
  authBlockSeconds: count(1, 86_400),
  /** How long a rolled key keeps working beside its successor unless the roll says otherwise. */
  keyRollGraceSeconds: count(0, 30 * 86_400),
  /** The longest grace period a roll may ask for. */
  keyRollMaxGraceSeconds: count(0, 365 * 86_400),
  /** A key's last_used_at is written at most this often per key and process (never once per request). */
  keyLastUsedIntervalMs: count(1000, 86_400_000),
  /** Live keys an account may hold (self-service creation stops there). */
  accountMaxKeys: count(1, 100_000),
  /** Whether monthly quotas are enforced and usage counted (off: no quota, GET /v1/usage reports no codes). */
  quotas: bool,
  /** Quota units an API process leases at a time far from an account's quota, so most codes cost no Redis call. */
  quotaLeaseUnits: count(0, 1_000_000),
  /** How often an API process writes the usage counts it has added up. */
  usageFlushMs: count(10, 60_000),
  /** The longest range GET /v1/usage answers, in days. */
  usageMaxDays: count(1, 400),
  /** How long a console sign-in lasts (the session cookie's Max-Age and its server-side record). */
  consoleSessionTtlSeconds: count(60, 30 * 86_400),
  limiterInsuranceMs: count(0, 600_000),
  idempotencyTtlHours: count(1, 24 * 30),
  secretsKey: v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters')),
  // Operators (admin board + /metrics are off while either credential is empty).
  adminUser: v.string(),
  adminPassword: v.string(),
  adminReadOnly: bool,
  /** Bearer token that reads /metrics only (an autoscaler's credential); empty = admin credentials only. */
  metricsToken: v.string(),
  metricsPublishMs: count(200, 600_000),
  /** WCAG contrast ratio below which colours are refused unless `allow_low_contrast`. */
  minContrast: v.pipe(v.number(), v.minValue(1), v.maxValue(21)),
  retentionDays: v.pipe(v.number(), v.minValue(0.0001)),
  codeRetentionDays: v.pipe(v.number(), v.minValue(0.0001)),
  retentionEveryMs: count(1000, 7 * 86_400_000),
  retentionBatchSize: count(1, 100_000),
  reconcileEveryMs: count(200, 86_400_000),
  reconcileAfterMs: count(0, 86_400_000),
  reconcileBatchSize: count(1, 100_000),
  // Webhooks: SSRF policy, retry schedule, and the limits of one delivery.
  webhookAllowHttp: bool,
  webhookAllowPrivate: cidrList,
  webhookRetrySchedule: v.pipe(
    v.string(),
    v.transform((s) => s.split(',').map((part) => parseDuration(part.trim()))),
    v.check(
      (list) => list.every((ms) => Number.isFinite(ms) && ms >= 0),
      'must be a comma-separated list of durations such as 5s,5m,2h,200ms',
    ),
  ),
  webhookTimeoutMs: count(100, 600_000),
  webhookMaxResponseBytes: count(0, 10 * 1024 * 1024),
  webhookConcurrency: count(1, 10_000),
  webhookSweepMs: count(10, 600_000),
  webhookDispatchBatch: count(1, 100_000),
  webhookLockMs: count(500, 600_000),
  webhookDisableAfterHours: v.pipe(v.number(), v.minValue(0.001)),
  webhookPreviousSecretHours: v.pipe(v.number(), v.minValue(0)),
  eventRetentionDays: v.pipe(v.number(), v.minValue(0.0001)),
  /** Longest `Prefer: wait=N` honoured on POST /v1/codes. */
  preferWaitMaxSeconds: count(0, 300),
  /** Interval of `: keep-alive` comments on SSE streams (proxies drop idle connections). */
  sseKeepAliveMs: count(100, 600_000),
  /** Open SSE streams one API process holds; more answer 503. */
  sseMaxConnections: count(1, 1_000_000),
  /** Of those, the streams one account may hold at once; more answer 503 for that account only. */
  sseMaxPerAccount: count(1, 1_000_000),
  /** Requests one API process holds open waiting for a render (`Prefer: wait`, GET /v1/render). */
  waitMaxHolders: count(1, 1_000_000),
  /** Of those, the waits one account may hold; past it, `Prefer: wait` answers 202 at once, GET /v1/render 503. */
  waitMaxPerAccount: count(1, 1_000_000),
  /** The key link tokens are sealed under (AES-256-GCM, derived): links.events' `?token=` and signed render URLs. */
  linkSigningKey: v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters')),
  /** Lifetime of the token in a code's links.events. */
  eventsTokenTtlSeconds: count(1, 7 * 86_400),
  /** How long GET /v1/render waits for a render that is not in the content cache. */
  renderWaitSeconds: count(1, 300),
  /** Longest lifetime of a signed render URL (POST /v1/render-urls). */
  renderUrlMaxTtlSeconds: count(1, 366 * 86_400),
});

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** "200ms" | "5s" | "5m" | "2h" | "1d" → milliseconds (NaN when unreadable). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  return match ? Number(match[1]) * UNITS[match[2]!]! : Number.NaN;
}

export type Config = Readonly<v.InferOutput<typeof ConfigSchema>>;
type Key = keyof v.InferOutput<typeof ConfigSchema>;

/** Environment variable → config key (the public list of variables). Strings stay strings; numbers are parsed strictly. */
export const ENV_NAMES: Record<string, Key> = {
  NODE_ENV: 'nodeEnv',
  PORT: 'port',
  PUBLIC_BASE_URL: 'publicBaseUrl',
  REDIS_URL: 'redisUrl',
  DATABASE_URL: 'databaseUrl',
  WORKERS: 'workers',
  API_PROCESSES: 'apiProcesses',
  LOG_LEVEL: 'logLevel',
  QUEUE_PREFIX: 'queuePrefix',
  BODY_LIMIT_BYTES: 'bodyLimitBytes',
  BODY_IDLE_TIMEOUT_MS: 'bodyIdleTimeoutMs',
  BODY_TIMEOUT_MS: 'bodyTimeoutMs',
  PREFLIGHT_THREADS: 'preflightThreads',
  PREFLIGHT_TIMEOUT_MS: 'preflightTimeoutMs',
  PREFLIGHT_MAX_PER_ACCOUNT: 'preflightMaxPerAccount',
  PREFLIGHT_QUEUE_PER_ACCOUNT: 'preflightQueuePerAccount',
  LOGO_SVG_MAX_ELEMENTS: 'logoSvgMaxElements',
  LOGO_SVG_MAX_USES: 'logoSvgMaxUses',
  METADATA_MAX_KEYS: 'metadataMaxKeys',
  METADATA_MAX_VALUE_LENGTH: 'metadataMaxValueLength',
  LIST_DEFAULT_LIMIT: 'listDefaultLimit',
  LIST_MAX_LIMIT: 'listMaxLimit',
  RENDER_CONCURRENCY: 'renderConcurrency',
  RENDER_JOB_CODES: 'renderJobCodes',
  RENDER_LOCK_MS: 'renderLockMs',
  RENDER_STALLED_INTERVAL_MS: 'renderStalledIntervalMs',
  RENDER_MAX_STALLED_COUNT: 'renderMaxStalledCount',
  PG_POOL_SIZE: 'pgPoolSize',
  HTTP_KEEP_ALIVE_TIMEOUT_MS: 'httpKeepAliveTimeoutMs',
  SUBMIT_BATCH_MAX: 'submitBatchMax',
  SUBMIT_LINGER_MS: 'submitLingerMs',
  BATCH_MAX_ROWS: 'batchMaxRows',
  BATCH_MAX_BYTES: 'batchMaxBytes',
  BATCH_ROW_MAX_BYTES: 'batchRowMaxBytes',
  BATCH_CHUNK_ROWS: 'batchChunkRows',
  BATCH_CONCURRENCY: 'batchConcurrency',
  BATCH_VALIDATE_MAX_ERRORS: 'batchValidateMaxErrors',
  BATCH_SWEEP_MS: 'batchSweepMs',
  BATCH_LOCK_MS: 'batchLockMs',
  BATCH_MAX_STALLED_COUNT: 'batchMaxStalledCount',
  MAINTENANCE_LOCK_MS: 'maintenanceLockMs',
  HEAP_MB: 'heapMb',
  SEMI_SPACE_MB: 'semiSpaceMb',
  WORKER_HEAP_GROWTH_PERCENT: 'workerHeapGrowthPercent',
  API_SEMI_SPACE_MB: 'apiSemiSpaceMb',
  SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  STARTUP_TIMEOUT_MS: 'startupTimeoutMs',
  RESTART_BACKOFF_MS: 'restartBackoffMs',
  RESTART_BACKOFF_MAX_MS: 'restartBackoffMaxMs',
  RESTART_MAX_FAILURES: 'restartMaxFailures',
  RESTART_WINDOW_MS: 'restartWindowMs',
  ACCESS_LOG_SAMPLE: 'accessLogSample',
  WORKER_HEALTH_PORT: 'workerHealthPort',
  RETRY_AFTER_SECONDS: 'retryAfterSeconds',
  ANONYMOUS: 'anonymous',
  TRUSTED_PROXIES: 'trustedProxies',
  DEFAULT_PLAN: 'defaultPlan',
  KEY_CACHE_TTL_MS: 'keyCacheTtlMs',
  IP_FLOOD_PER_SECOND: 'ipFloodPerSecond',
  AUTH_FAILURES_PER_MINUTE: 'authFailuresPerMinute',
  AUTH_BLOCK_SECONDS: 'authBlockSeconds',
  KEY_ROLL_GRACE_SECONDS: 'keyRollGraceSeconds',
  KEY_ROLL_MAX_GRACE_SECONDS: 'keyRollMaxGraceSeconds',
  KEY_LAST_USED_INTERVAL_MS: 'keyLastUsedIntervalMs',
  ACCOUNT_MAX_KEYS: 'accountMaxKeys',
  USAGE_MAX_DAYS: 'usageMaxDays',
  CONSOLE_SESSION_TTL_SECONDS: 'consoleSessionTtlSeconds',
  QUOTAS: 'quotas',
  QUOTA_LEASE_UNITS: 'quotaLeaseUnits',
  USAGE_FLUSH_MS: 'usageFlushMs',
  LIMITER_INSURANCE_MS: 'limiterInsuranceMs',
  IDEMPOTENCY_TTL_HOURS: 'idempotencyTtlHours',
  SECRETS_KEY: 'secretsKey',
  ADMIN_USER: 'adminUser',
  ADMIN_PASSWORD: 'adminPassword',
  ADMIN_READ_ONLY: 'adminReadOnly',
  METRICS_TOKEN: 'metricsToken',
  METRICS_PUBLISH_MS: 'metricsPublishMs',
  MIN_CONTRAST: 'minContrast',
  RETENTION_DAYS: 'retentionDays',
  CODE_RETENTION_DAYS: 'codeRetentionDays',
  RETENTION_EVERY_MS: 'retentionEveryMs',
  RETENTION_BATCH_SIZE: 'retentionBatchSize',
  RECONCILE_EVERY_MS: 'reconcileEveryMs',
  RECONCILE_AFTER_MS: 'reconcileAfterMs',
  RECONCILE_BATCH_SIZE: 'reconcileBatchSize',
  WEBHOOK_ALLOW_HTTP: 'webhookAllowHttp',
  WEBHOOK_ALLOW_PRIVATE: 'webhookAllowPrivate',
  WEBHOOK_RETRY_SCHEDULE: 'webhookRetrySchedule',
  WEBHOOK_TIMEOUT_MS: 'webhookTimeoutMs',
  WEBHOOK_MAX_RESPONSE_BYTES: 'webhookMaxResponseBytes',
  WEBHOOK_CONCURRENCY: 'webhookConcurrency',
  WEBHOOK_SWEEP_MS: 'webhookSweepMs',
  WEBHOOK_DISPATCH_BATCH: 'webhookDispatchBatch',
  WEBHOOK_LOCK_MS: 'webhookLockMs',
  WEBHOOK_DISABLE_AFTER_HOURS: 'webhookDisableAfterHours',
  WEBHOOK_PREVIOUS_SECRET_HOURS: 'webhookPreviousSecretHours',
  EVENT_RETENTION_DAYS: 'eventRetentionDays',
  PREFER_WAIT_MAX_SECONDS: 'preferWaitMaxSeconds',
  SSE_KEEP_ALIVE_MS: 'sseKeepAliveMs',
  SSE_MAX_CONNECTIONS: 'sseMaxConnections',
  SSE_MAX_PER_ACCOUNT: 'sseMaxPerAccount',
  WAIT_MAX_HOLDERS: 'waitMaxHolders',
  WAIT_MAX_PER_ACCOUNT: 'waitMaxPerAccount',
  LINK_SIGNING_KEY: 'linkSigningKey',
  EVENTS_TOKEN_TTL_SECONDS: 'eventsTokenTtlSeconds',
  RENDER_WAIT_SECONDS: 'renderWaitSeconds',
  RENDER_URL_MAX_TTL_SECONDS: 'renderUrlMaxTtlSeconds',
};

const STRING_KEYS = new Set<Key>([
  'nodeEnv',
  'metricsToken',
  'redisUrl',
  'databaseUrl',
  'logLevel',
  'queuePrefix',
  'anonymous',
  'quotas',
  'trustedProxies',
  'defaultPlan',
  'secretsKey',
  'linkSigningKey',
  'adminUser',
  'adminPassword',
  'adminReadOnly',
  'webhookAllowHttp',
  'webhookAllowPrivate',
  'webhookRetrySchedule',
]);

export class ConfigError extends Error {
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

const envNameOf = (key: Key) => Object.keys(ENV_NAMES).find((name) => ENV_NAMES[name] === key) ?? key;

/** Values never echoed in an error line (a log collector would keep them). */
const SECRET_KEYS = new Set<Key>(['secretsKey', 'linkSigningKey', 'adminPassword', 'metricsToken']);
const PLACEHOLDER = /change.?me|changeit|example|dev-only|^(admin|password|secret|test)$/i;
/** Shortest admin password or metrics token production accepts. */
const MIN_CREDENTIAL_LENGTH = 12;

/** What an error line may show of a value: secrets never, URLs without their password. */
function shown(key: Key, value: unknown): string {
  if (SECRET_KEYS.has(key)) return '(hidden)';
  if (typeof value === 'string' && URL.canParse(value) && new URL(value).password) {
    const masked = new URL(value);
    masked.password = '***';
    return JSON.stringify(masked.toString());
  }
  return JSON.stringify(value);
}

/**
 * Production refuses a secret it was not given: the defaults in config/defaults.json are published, so a
 * link signed or a webhook secret sealed with them protects nothing. One line per variable.
 */
function productionProblems(raw: Record<string, unknown>, defaults: Record<string, unknown>): string[] {
  if (raw.nodeEnv !== 'production') return [];
  const lines: string[] = [];
  for (const key of ['secretsKey', 'linkSigningKey'] as const) {
    const value = String(raw[key] ?? '');
    if (value === '' || value === defaults[key] || PLACEHOLDER.test(value))
      lines.push(
        `${envNameOf(key)}: must be set to a secret of your own when NODE_ENV=production (the default is published)`,
      );
  }
  const credentials = [
    // The board is on once ADMIN_USER is set: its password must then be a real one.
    ['adminPassword', String(raw.adminUser ?? '') !== ''],
    ['metricsToken', String(raw.metricsToken ?? '') !== ''],
  ] as const;
  for (const [key, inUse] of credentials) {
    const value = String(raw[key] ?? '');
    if (inUse && (value.length < MIN_CREDENTIAL_LENGTH || PLACEHOLDER.test(value)))
      lines.push(
        `${envNameOf(key)}: must be a secret of at least ${MIN_CREDENTIAL_LENGTH} characters, not a placeholder, when NODE_ENV=production`,
      );
  }
  return lines;
}

/**
 * Reads config/defaults.json under `dir`, overlays the environment and validates the result.
 * Throws a ConfigError with one line per bad variable, every bad variable at once.
 */
export function loadConfig(env: Record<string, string | undefined>, dir = process.cwd()): Config {
  const defaults = JSON.parse(readFileSync(join(dir, 'config', 'defaults.json'), 'utf8')) as Record<string, unknown>;
  const plans = JSON.parse(readFileSync(join(dir, 'config', 'plans.json'), 'utf8')) as unknown;
  const raw: Record<string, unknown> = { workers: availableParallelism(), plans, ...defaults };
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = STRING_KEYS.has(key) ? value : /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  }
  const result = v.safeParse(ConfigSchema, raw);
  const byVariable = new Map<string, string>();
  for (const issue of result.issues ?? []) {
    const key = String(issue.path?.[0]?.key ?? '') as Key;
    const name = envNameOf(key);
    if (!byVariable.has(name)) byVariable.set(name, `${name}: ${issue.message} (got ${shown(key, raw[key])})`);
  }
  const plan = String(raw.defaultPlan);
  if (typeof raw.plans === 'object' && raw.plans !== null && !Object.hasOwn(raw.plans, plan))
    byVariable.set('DEFAULT_PLAN', `DEFAULT_PLAN: no plan named ${JSON.stringify(plan)} in config/plans.json`);
  const lines = [...byVariable.values(), ...productionProblems(raw, defaults)];
  if (lines.length > 0 || !result.success) throw new ConfigError(lines);
  return Object.freeze(result.output);
}

/** loadConfig for process entry points: prints one line per bad variable and exits 1. */
export function loadConfigOrExit(env = process.env, dir = process.cwd()): Config {
  try {
    return loadConfig(env, dir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.lines) console.error(`invalid configuration: ${line}`);
    process.exit(1);
  }
}
