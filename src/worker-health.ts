import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Logger } from './log.ts';
import type { Db } from './store/db.ts';

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await within(probe(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  }
}

/**
 * A worker's probes for an orchestrator (WORKER_HEALTH_PORT): GET /healthz answers while the event loop
 * turns; GET /readyz also pings Redis and PostgreSQL over the worker's own connections and fails while
 * draining. Plain node:http: a worker loads no web framework for two routes.
 */
export function serveWorkerHealth(options: {
  port: number;
  log: Logger;
  redis: Redis;
  db: Db;
  isDraining: () => boolean;
}): Server {
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return reply(405, { status: 'method_not_allowed' });
    if (req.url === '/healthz') return reply(200, { status: 'ok' });
    if (req.url !== '/readyz') return reply(404, { status: 'not_found' });
    if (options.isDraining()) return reply(503, { status: 'shutting_down' });
    const [redis, postgres] = await Promise.all([
      check(() => options.redis.ping()),
      check(() => sql`select 1`.execute(options.db)),
    ]);
    const ready = redis === 'ok' && postgres === 'ok';
    reply(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: { redis, postgres } });
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    options.log.fatal(`WORKER_HEALTH_PORT: cannot listen on ${options.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });
  return server.listen(options.port);
}
