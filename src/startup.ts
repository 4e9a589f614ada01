// What a process waits for before it serves or takes jobs: Redis and PostgreSQL answering. An operator who
// started it with a wrong address gets one line naming the variable and the address, not a stack.
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { createRedis } from './queue/connection.ts';
import { probeDatabase } from './store/db.ts';

export type Dependency = 'postgres' | 'redis';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;
const ATTEMPT_TIMEOUT_MS = 3000;
// Refusals no retry can mend (wrong password, no such role): the operator must change the variable.
const PERMANENT = new Set(['28P01', '28000']);

/** Thrown when a dependency did not answer within STARTUP_TIMEOUT_MS; `message` is the one line to print. */
export class StartupError extends Error {}

const DEPENDENCIES = {
  postgres: {
    variable: 'DATABASE_URL',
    label: 'PostgreSQL',
    url: (c: Config) => c.databaseUrl,
    probe: (c: Config, timeoutMs: number) => probeDatabase(c.databaseUrl, timeoutMs),
  },
  redis: {
    variable: 'REDIS_URL',
    label: 'Redis',
    url: (c: Config) => c.redisUrl,
    probe: async (c: Config) => {
      const redis = createRedis(c.redisUrl, 'probe');
      try {
        await redis.connect();
        await redis.ping();
      } finally {
        redis.disconnect();
      }
    },
  },
} as const satisfies Record<Dependency, unknown>;

/** host:port/path of a URL: enough to find the address, never its credentials. */
export function addressOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol.startsWith('redis') ? '6379' : '5432')}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const errors = (error as { errors?: { code?: string }[] }).errors;
  return code ?? errors?.[0]?.code ?? message ?? String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every dependency answers, retrying with exponential backoff (250 ms doubling to 5 s) for up
 * to STARTUP_TIMEOUT_MS; logs one warning when a dependency first fails, and throws a StartupError naming
 * the variable and the address once the bound passes (or at once for a refusal no retry can mend).
 */
export async function waitForDependencies(config: Config, log: Logger, needs: readonly Dependency[]): Promise<void> {
  const deadline = Date.now() + config.startupTimeoutMs;
  await Promise.all(
    needs.map(async (name) => {
      const dependency = DEPENDENCIES[name];
      const where = `${dependency.label} at ${addressOf(dependency.url(config))} (${dependency.variable})`;
      for (let attempt = 0, delay = FIRST_RETRY_MS; ; attempt++, delay = Math.min(delay * 2, MAX_RETRY_MS)) {
        try {
          await dependency.probe(config, Math.max(100, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())));
          if (attempt > 0) log.info(`${where} answered`);
          return;
        } catch (error) {
          const reason = reasonOf(error);
          const seconds = Math.round(config.startupTimeoutMs / 1000);
          if (PERMANENT.has(reason) || Date.now() + delay > deadline)
            throw new StartupError(
              `${dependency.variable}: cannot reach ${where}${PERMANENT.has(reason) ? '' : ` within ${seconds} s`}: ${reason}`,
            );
          if (attempt === 0) log.warn(`${where} is not answering (${reason}); retrying for up to ${seconds} s`);
          await sleep(delay);
        }
      }
    }),
  );
}

/** waitForDependencies for entry points: on failure, one fatal line and exit 1 (the orchestrator restarts us). */
export async function waitForDependenciesOrExit(
  config: Config,
  log: Logger,
  needs: readonly Dependency[],
): Promise<void> {
  try {
    await waitForDependencies(config, log, needs);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    log.fatal(error.message);
    process.exit(1);
  }
}
