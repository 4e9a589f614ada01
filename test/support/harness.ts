import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inspect } from 'node:util';
import { Worker } from 'bullmq';
import { createApp } from '../../src/api/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { expandBatch } from '../../src/jobs/expand-batch.ts';
import { renderCodes } from '../../src/jobs/render-code.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { createCodeStatusHub, publishCodeStatus } from '../../src/queue/code-status.ts';
import type { CodeStatus } from '../../src/domain/code.ts';
import { QUEUES } from '../../src/queue/catalog.ts';
import { closeQueues, openQueues } from '../../src/queue/producer.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey, type CreatedKey } from '../../src/store/keys.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { prefixesInUse, SHARED_REDIS_URL } from './redis-prefixes.ts';
import { wireBody, type BodyArgs } from './request-body.ts';

export { deleteRedisPrefix } from './redis-prefixes.ts';
export { jsonBody, ndjson, unchecked, type RequestBody } from './request-body.ts';

export const ROOT = path.join(import.meta.dirname, '..', '..');
/** The server's maintenance database: tests that only need a connection, not tables, use it. */
export const BASE_DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = SHARED_REDIS_URL;

/** A fresh database name and BullMQ prefix, unique to one test file. */
export function uniqueEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const tag = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const url = new URL(BASE_DB_URL);
  url.pathname = `/codes_${tag}`;
  const env = {
    DATABASE_URL: url.toString(),
    REDIS_URL,
    QUEUE_PREFIX: tag,
    LOG_LEVEL: 'warn',
    WORKERS: '1',
    ...overrides,
  };
  if (env.REDIS_URL === REDIS_URL) prefixesInUse.add(env.QUEUE_PREFIX);
  return env;
}

export type TestStack = Awaited<ReturnType<typeof startStack>>;

/** The stack's `request`: method, URL, then the body the document types for them, headers and the caller's address. */
export type SendRequest<R = Response> = <const M extends string, const U extends string>(
  method: M,
  url: U,
  ...args: BodyArgs<M, U, [headers?: Record<string, string>, options?: { ip?: string }]>
) => Promise<R>;

/**
 * Creates a database, opens the API app in-process (requests through app.request) and, unless
 * `workers: 0`, an in-process render worker. `limiterClock` replaces the rate limits' clock (Redis's
 * TIME) so a test moves time itself. `close()` tears everything down and drops the database.
 */
export async function startStack(
  options: { env?: Record<string, string>; workers?: number; limiterClock?: () => number } = {},
) {
  const env = uniqueEnv(options.env);
  const config = loadConfig(env, ROOT);
  await prepareDatabase(config.databaseUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 5 });
  const redis = createRedis(config.redisUrl, 'producer');
  // Until the connection is ready the rate limits run on the in-memory insurance: start on Redis.
  await redis.ping();
  const queues = openQueues(redis, config.queuePrefix);
  const codeStatus = createCodeStatusHub(createRedis(config.redisUrl, 'worker'), config.queuePrefix);
  const app = createApp({
    config,
    db,
    redis,
    queues,
    codeStatus,
    limiterClock: options.limiterClock,
    logError: (e) => console.error(e),
  });
  const notify = (codeId: string, status: CodeStatus) => publishCodeStatus(redis, config.queuePrefix, codeId, status);
  let accounts = 0;
  /** A new account and key; by default limits high enough never to get in a test's way. */
  const seedKey = (options: { plan?: string; rate?: number; burst?: number; account?: string } = {}) =>
    createApiKey(db, {
      account: options.account ?? `account-${++accounts}`,
      plan: options.plan ?? config.defaultPlan,
      keyPlan: options.plan,
      rate: options.rate ?? (options.plan ? undefined : 1_000_000),
      burst: options.burst ?? (options.plan ? undefined : 1_000_000),
      secretsKey: config.secretsKey,
    });
  // The stack's account is new, so its webhook secret is shown.
  const key = (await seedKey()) as CreatedKey & { webhook_secret: string };
  const workers: Worker[] = [];
  const workerRedis = createRedis(config.redisUrl, 'worker');
  if ((options.workers ?? 1) > 0) {
    const limits = {
      chunkRows: config.batchChunkRows,
      metadataMaxKeys: config.metadataMaxKeys,
      metadataMaxValueLength: config.metadataMaxValueLength,
      minContrast: config.minContrast,
      renderJobCodes: config.renderJobCodes,
    };
    workers.push(
      new Worker('batches', (job) => expandBatch(job, { db, queues, limits }), {
        connection: workerRedis,
        prefix: config.queuePrefix,
      }),
    );
  }
  for (let i = 0; i < (options.workers ?? 1); i++) {
    workers.push(
      new Worker('render', (job) => renderCodes(job, { db, notify }), {
        connection: workerRedis,
        prefix: config.queuePrefix,
        concurrency: config.renderConcurrency,
      }),
    );
  }

  /**
   * A `request` with defaults: headers (an `authorization` of '' sends none), the caller's address, and what to
   * make of the answer (`read`; the Response itself unless given).
   */
  function requestAs<R = Response>(
    defaults: { headers?: Record<string, string>; ip?: string },
    read: (res: Response) => R | Promise<R> = (res) => res as R,
  ): SendRequest<R> {
    return async (
      method: string,
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
      options: { ip?: string } = {},
    ) => {
      const given: Record<string, string> = { ...defaults.headers, ...headers };
      const auth = given.authorization ?? `Bearer ${key.key}`;
      const init: RequestInit & { headers: Record<string, string> } = { method, headers: given };
      if (auth) given.authorization = auth;
      else delete given.authorization;
      const sent = wireBody(body);
      if (sent !== undefined) {
        init.body = sent;
        init.headers['content-type'] ??= 'application/json';
      }
      // The node adapter's bindings carry the socket; here they say which address the request comes from.
      const remoteAddress = options.ip ?? defaults.ip ?? '127.0.0.1';
      return read(await app.request(url, init, { incoming: { socket: { remoteAddress } } }));
    };
  }

  /**
   * app.request with the stack's key unless `headers.authorization` says otherwise ('' = none). The body is typed
   * by method and URL from the document's generated types (request-body.ts); `unchecked(…)` sends any other.
   */
  const request = requestAs({});

  /** Polls a code until it is terminal (or the deadline passes) and returns the last code object. */
  async function waitForCode(id: string, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await request('GET', `/v1/codes/${id}`);
      const code = (await res.json()) as any;
      if (['succeeded', 'failed', 'canceled'].includes(code.status) || Date.now() > deadline) return code;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function close() {
    await Promise.all(workers.map((w) => w.close()));
    workerRedis.disconnect();
    for (const name of Object.keys(QUEUES) as (keyof typeof QUEUES)[])
      await queues[name].obliterate({ force: true }).catch(() => {});
    await closeQueues(queues);
    await codeStatus.close();
    redis.disconnect();
    await db.destroy();
    await dropDatabase(config.databaseUrl);
  }

  return { env, config, db, redis, queues, app, codeStatus, key, seedKey, request, requestAs, waitForCode, close };
}

/** Starts a real process from the project (e.g. 'workers/render.ts') on the pinned Node. */
export function startProcess(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

/** Resolves with the exit code once the process exits. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Polls `probe` until it returns a truthy value, and returns that value. A probe that throws is tried
 * again (a server still starting refuses connections), but what it last did is kept: when the time is
 * up, the last error is thrown as it is (so an `expect` inside the probe fails with its own message and
 * diff) or, if the probe last returned a falsy value, an error showing that value.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false | 0 | ''>,
  timeoutMs = 20_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { error: unknown } | { value: unknown };
    try {
      const value = await probe();
      if (value) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const waited = `not met within ${timeoutMs} ms`;
      if ('value' in last) throw new Error(`${waited}; the probe last returned ${inspect(last.value)}`);
      if (last.error instanceof Error) {
        last.error.message = `${last.error.message} (${waited}; this was the last attempt)`;
        throw last.error;
      }
      throw new Error(`${waited}; the probe last threw ${inspect(last.error)}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export type { Config };

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server owned by the test (for outages and restarts), optionally with AOF in `dir`. */
export async function startRedisServer(options: { port: number; dir?: string }): Promise<ChildProcess> {
  const args = [
    '--port',
    String(options.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  if (options.dir) args.push('--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const { Redis } = await import('ioredis');
  await eventually(
    async () => {
      const probe = new Redis({
        port: options.port,
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    },
    10_000,
    50,
  );
  return child;
}
