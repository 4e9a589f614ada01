// What an operator sees when a process cannot start: one line per bad variable, one line naming an
// unreachable dependency, a supervisor that backs off a crashing child and then gives up, and a non-zero
// exit each time (the orchestrator restarts or reports it). Real processes, real PostgreSQL and Redis.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/store/migrate.ts';
import { exited, freePort, startProcess, uniqueEnv } from '../support/harness.ts';

type LogLine = { level: number; msg: string; [field: string]: unknown };
const FATAL = 60;
const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const stackLines = (output: string) => output.split('\n').filter((line) => /^\s+at /.test(line));

/** Runs an entry point to its exit; how long that took and what it printed. */
async function run(script: string, env: Record<string, string>, args: string[] = []) {
  const started = Date.now();
  const child = startProcess(script, env, args);
  const code = await exited(child);
  return { code, output: child.output(), ms: Date.now() - started };
}

describe('bad settings', () => {
  it('three bad variables at once: three lines, each naming its variable, and exit 1', async () => {
    const env = { ...uniqueEnv(), REDIS_URL: 'notaurl', PORT: '99999', WORKERS: 'many' };
    for (const script of ['src/main.ts', 'workers/render.ts']) {
      const { code, output } = await run(script, env);
      expect(code, output).toBe(1);
      const lines = output.trim().split('\n');
      expect(lines, output).toHaveLength(3);
      expect(lines.map((l) => /^invalid configuration: ([A-Z_]+):/.exec(l)?.[1]).sort()).toEqual([
        'PORT',
        'REDIS_URL',
        'WORKERS',
      ]);
    }
  }, 30_000);

  it('NODE_ENV=production with a missing or default LINK_SIGNING_KEY or SECRETS_KEY exits 1 naming it', async () => {
    const env = { ...uniqueEnv(), NODE_ENV: 'production' };
    const missing = await run('src/main.ts', env);
    expect(missing.code).toBe(1);
    expect(missing.output.trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^invalid configuration: LINK_SIGNING_KEY: must be set/),
      expect.stringMatching(/^invalid configuration: SECRETS_KEY: must be set/),
    ]);
    const placeholder = await run('src/main.ts', {
      ...env,
      SECRETS_KEY: 'change-me-to-a-long-random-string',
      LINK_SIGNING_KEY: 'an-operator-chosen-link-signing-key',
      ADMIN_USER: 'ops',
      ADMIN_PASSWORD: 'change-me',
    });
    expect(placeholder.code).toBe(1);
    expect(placeholder.output.trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^invalid configuration: ADMIN_PASSWORD: /),
      expect.stringMatching(/^invalid configuration: SECRETS_KEY: /),
    ]);
  }, 30_000);
});

describe('an unreachable dependency', () => {
  let closedPort: number;
  beforeAll(async () => {
    closedPort = await freePort();
  });
  const BOUND_MS = 2500;
  // Node's own start (type stripping, imports) on a loaded 2-core machine, on top of the bound.
  const START_SLACK_MS = 10_000;

  it('an unreachable database: one line naming DATABASE_URL and its address, exit 1 within STARTUP_TIMEOUT_MS', async () => {
    const env = {
      ...uniqueEnv(),
      LOG_LEVEL: 'info',
      STARTUP_TIMEOUT_MS: String(BOUND_MS),
      DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${closedPort}/codes`,
    };
    for (const [script, args] of [
      ['src/main.ts', []],
      ['src/main.ts', ['api']],
      ['workers/webhooks.ts', []],
      ['src/cli.ts', ['migrate']],
    ] as const) {
      const { code, output, ms } = await run(script, env, [...args]);
      const where = `${script} ${args.join(' ')}`;
      expect(code, where).toBe(1);
      expect(ms, where).toBeLessThan(BOUND_MS + START_SLACK_MS);
      expect(ms, `${where}: retried for the bound`).toBeGreaterThanOrEqual(BOUND_MS - 500);
      const fatal = logLines(output).filter((l) => l.level === FATAL);
      expect(fatal, output).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(
        new RegExp(`^DATABASE_URL: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${closedPort}/codes`),
      );
      expect(fatal[0]!.msg).toMatch(/ECONNREFUSED/);
      expect(output, 'no password in the log').not.toMatch(/pw@/);
      expect(stackLines(output), output).toEqual([]);
    }
  }, 120_000);

  it('an unreachable Redis: one line naming REDIS_URL, exit 1', async () => {
    const env = {
      ...uniqueEnv(),
      STARTUP_TIMEOUT_MS: String(BOUND_MS),
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    };
    const { code, output, ms } = await run('workers/render.ts', env);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(BOUND_MS + START_SLACK_MS);
    const fatal = logLines(output).filter((l) => l.level === FATAL);
    expect(fatal.map((l) => l.msg)).toEqual([
      expect.stringMatching(new RegExp(`^REDIS_URL: cannot reach Redis at 127\\.0\\.0\\.1:${closedPort}`)),
    ]);
    expect(stackLines(output)).toEqual([]);
  }, 30_000);
});

describe('the supervisor', () => {
  let blocker: Server;
  let port: number;
  let env: Record<string, string>;
  beforeAll(async () => {
    port = await freePort();
    blocker = createServer().listen(port);
    env = {
      ...uniqueEnv(),
      LOG_LEVEL: 'info',
      PORT: String(port),
      WORKERS: '0',
      RESTART_BACKOFF_MS: '200',
      RESTART_BACKOFF_MAX_MS: '600',
      RESTART_MAX_FAILURES: '4',
      RESTART_WINDOW_MS: '60000',
    };
  });
  afterAll(async () => {
    blocker?.close();
    if (env) await dropDatabase(env.DATABASE_URL!);
  });

  it('backs off a child that always crashes (a port in use), then stops and exits 1, leaving no process', async () => {
    const child = startProcess('src/main.ts', env);
    const code = await exited(child);
    const output = child.output();
    expect(code, output).toBe(1);
    const lines = logLines(output);
    // Each crash is one line naming PORT, not an EADDRINUSE stack.
    const portLines = lines.filter((l) => l.role === 'api' && l.level === FATAL);
    expect(portLines, output).toHaveLength(4);
    for (const line of portLines) expect(line.msg).toBe(`PORT: cannot listen on ${port}: EADDRINUSE`);
    // Exponential and capped: 200, 400, then 600 (the max), and no fourth restart.
    const restarts = lines.filter((l) => l.msg === 'child exited; restarting');
    expect(restarts.map((l) => l.restartInMs)).toEqual([200, 400, 600]);
    const giveUp = lines.filter((l) => l.role === 'supervisor' && l.level === FATAL);
    expect(giveUp.map((l) => l.msg)).toEqual([expect.stringMatching(/^api exited 4 times within 60 s/)]);
    expect(lines.at(-1)).toMatchObject({ role: 'supervisor', msg: 'stopped', exitCode: 1 });
    expect(stackLines(output)).toEqual([]);
    // Every API process it started is gone.
    for (const line of portLines) expect(isAlive(line.pid as number), `pid ${line.pid}`).toBe(false);
  }, 90_000);
});
