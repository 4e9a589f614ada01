import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Config } from '../config.ts';
import { exitOnSignal } from '../lifecycle.ts';
import { createLogger, type Logger } from '../log.ts';
import { publishMetrics } from '../metrics/publish.ts';
import { createProcessMetrics } from '../metrics/registry.ts';
import { createRedis } from '../queue/connection.ts';
import { createCodeStatusHub } from '../queue/code-status.ts';
import { checkEvictionPolicy } from '../queue/eviction.ts';
import { closeQueues, openQueues } from '../queue/producer.ts';
import { createQuotas } from '../limits/quota.ts';
import { createDb } from '../store/db.ts';
import { createPreflightPool } from '../render/preflight-pool.ts';
import { createApp } from './app.ts';
import { preflightPoolOptions } from './preflight.ts';

/**
 * Keeps idle keep-alive connections open for `keepAliveMs` (HTTP_KEEP_ALIVE_TIMEOUT_MS), longer than
 * a load balancer's idle timeout, so the balancer always closes first and never reuses a connection
 * the API is closing (a 502 for the client). headersTimeout must exceed it, or Node would cut a
 * reused connection whose next request headers arrive late in the keep-alive window.
 */
export function applyKeepAlive(server: Server, keepAliveMs: number, bodyTimeoutMs: number): void {
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = keepAliveMs + 1000;
  // The whole request: its headers, then its body within BODY_TIMEOUT_MS. The app cuts a slow body off
  // first (408 problem, bodyTimeout); this is Node's own backstop for whatever the app never reads.
  server.requestTimeout = server.headersTimeout + bodyTimeoutMs;
}

/** Runs one API process until SIGTERM/SIGINT, then drains connections and exits 0. */
export function runApiServer(config: Config, log: Logger): void {
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: config.pgPoolSize });
  const redis = createRedis(config.redisUrl, 'producer');
  const queues = openQueues(redis, config.queuePrefix);
  const codeStatus = createCodeStatusHub(createRedis(config.redisUrl, 'worker'), config.queuePrefix);
  const quotas = createQuotas({
    redis,
    prefix: config.queuePrefix,
    leaseUnits: config.quotaLeaseUnits,
    flushMs: config.usageFlushMs,
  });
  let shuttingDown = false;
  const metrics = createProcessMetrics('api');
  const stopPublishing = publishMetrics(redis, {
    prefix: config.queuePrefix,
    registry: metrics.registry,
    role: 'api',
    everyMs: config.metricsPublishMs,
  });
  void checkEvictionPolicy(redis).then(
    ({ warning }) => warning && log.warn(warning),
    (error) => log.warn({ err: error }, 'could not read Redis maxmemory-policy'),
  );
  // Started now, so the first costly check does not wait for its threads to load the encoders.
  const preflight = createPreflightPool({ ...preflightPoolOptions(config), eager: true });
  const accessLog = createLogger(config.logLevel, 'api', { buffered: true });
  const app = createApp({
    config,
    preflight,
    db,
    redis,
    queues,
    codeStatus,
    quotas,
    isShuttingDown: () => shuttingDown,
    metrics,
    metricsRole: 'api',
    logError: (error, context) => log.error({ err: error, ...context }, 'unhandled error'),
    accessLog: (line) => accessLog.info(line, 'request'),
  });
  const server = serve({ fetch: app.fetch, port: config.port }, (info) =>
    log.info({ port: info.port }, 'api listening'),
  ) as Server;
  applyKeepAlive(server, config.httpKeepAliveTimeoutMs, config.bodyTimeoutMs);
  // A port in use or not ours to bind is a setting to change, not a stack to read.
  server.on('error', (error: NodeJS.ErrnoException) => {
    log.fatal({ code: error.code }, `PORT: cannot listen on ${config.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });

  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    drain: async () => {
      shuttingDown = true; // /readyz answers 503 from now on
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Event streams and Prefer: wait requests end now (their clients resume elsewhere) instead of
      // holding the drain until SHUTDOWN_TIMEOUT_MS.
      await codeStatus.close();
      await closed;
      // The usage counts added up since the last write, and unused quota leases, go back to Redis.
      await quotas.close().catch((error) => log.warn({ err: error }, 'could not write usage counts'));
      await Promise.allSettled([stopPublishing(), closeQueues(queues), db.destroy(), preflight.close()]);
      redis.disconnect();
    },
  });
}
