import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';

const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const count = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const url = (protocols: string[]) =>
  v.pipe(
    v.string(),
    v.url(),
    v.check((s) => protocols.includes(new URL(s).protocol), `must use ${protocols.join(' or ')}`),
  );

/** The whole configuration: every limit the service enforces has a name here. */
export const ConfigSchema = v.object({
  port,
  redisUrl: url(['redis:', 'rediss:']),
  databaseUrl: url(['postgres:', 'postgresql:']),
  workers: count(0, 256),
  apiProcesses: count(1, 256),
  logLevel: v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  queuePrefix: v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,40}$/i)),
  bodyLimitBytes: count(1024, 100 * 1024 * 1024),
  metadataMaxKeys: count(0, 100),
  metadataMaxValueLength: count(1, 10_000),
  listDefaultLimit: count(1, 1000),
  listMaxLimit: count(1, 1000),
  renderConcurrency: count(1, 256),
  renderLockMs: count(1000, 600_000),
  renderStalledIntervalMs: count(500, 600_000),
  renderMaxStalledCount: count(0, 100),
  pgPoolSize: count(1, 1000),
  shutdownTimeoutMs: count(100, 600_000),
  retryAfterSeconds: count(1, 3600),
});

export type Config = Readonly<v.InferOutput<typeof ConfigSchema>>;
type Key = keyof v.InferOutput<typeof ConfigSchema>;

/** Environment variable → config key. Strings stay strings; numeric keys are parsed strictly. */
const ENV_NAMES: Record<string, Key> = {
  PORT: 'port',
  REDIS_URL: 'redisUrl',
  DATABASE_URL: 'databaseUrl',
  WORKERS: 'workers',
  API_PROCESSES: 'apiProcesses',
  LOG_LEVEL: 'logLevel',
  QUEUE_PREFIX: 'queuePrefix',
  BODY_LIMIT_BYTES: 'bodyLimitBytes',
  METADATA_MAX_KEYS: 'metadataMaxKeys',
  METADATA_MAX_VALUE_LENGTH: 'metadataMaxValueLength',
  LIST_DEFAULT_LIMIT: 'listDefaultLimit',
  LIST_MAX_LIMIT: 'listMaxLimit',
  RENDER_CONCURRENCY: 'renderConcurrency',
  RENDER_LOCK_MS: 'renderLockMs',
  RENDER_STALLED_INTERVAL_MS: 'renderStalledIntervalMs',
  RENDER_MAX_STALLED_COUNT: 'renderMaxStalledCount',
  PG_POOL_SIZE: 'pgPoolSize',
  SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  RETRY_AFTER_SECONDS: 'retryAfterSeconds',
};

const STRING_KEYS = new Set<Key>(['redisUrl', 'databaseUrl', 'logLevel', 'queuePrefix']);

export class ConfigError extends Error {
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

const envNameOf = (key: Key) => Object.keys(ENV_NAMES).find((name) => ENV_NAMES[name] === key) ?? key;

/**
 * Reads config/defaults.json under `dir`, overlays the environment and validates the result.
 * Throws a ConfigError with one line per bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>, dir = process.cwd()): Config {
  const defaults = JSON.parse(readFileSync(join(dir, 'config', 'defaults.json'), 'utf8')) as Record<string, unknown>;
  const raw: Record<string, unknown> = { workers: availableParallelism(), ...defaults };
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = STRING_KEYS.has(key) ? value : /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  }
  const result = v.safeParse(ConfigSchema, raw);
  if (result.success) return Object.freeze(result.output);
  throw new ConfigError(
    result.issues.map((issue) => {
      const key = String(issue.path?.[0]?.key ?? '');
      return `${envNameOf(key as Key)}: ${issue.message} (got ${JSON.stringify(raw[key])})`;
    }),
  );
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
