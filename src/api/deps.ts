import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Quotas } from '../limits/quota.ts';
import type { AccessLine } from './middleware/access-log.ts';
import type { ProcessMetrics } from '../metrics/registry.ts';
import type { CodeStatusHub } from '../queue/code-status.ts';
import type { Queues } from '../queue/producer.ts';
import type { PreflightPool } from '../render/preflight-pool.ts';
import type { Db } from '../store/db.ts';

/** Everything the API needs, passed in (tests build their own). */
export type ApiDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  queues: Queues;
  /** Where unexpected errors go. @defaultValue console.error */
  logError?: (error: unknown, context: Record<string, unknown>) => void;
  /** Where the access log's lines go (one per request, ACCESS_LOG_SAMPLE of the successes); none when absent. */
  accessLog?: (line: AccessLine) => void;
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  isShuttingDown?: () => boolean;
  /** This process's metrics (HTTP, rate limits); none recorded when absent. */
  metrics?: ProcessMetrics;
  /** The role this process publishes its metrics under, so /metrics reads its own registry live. */
  metricsRole?: string;
  /**
   * The process's one pub/sub subscriber for code status changes (SSE, Prefer: wait).
   * @defaultValue a hub on a duplicate of `redis`, opened on first use and never closed
   */
  codeStatus?: CodeStatusHub;
  /** Monthly quotas and usage counters. @defaultValue one per Redis connection, on `redis` */
  quotas?: Quotas;
  /**
   * The worker threads that run the encoders' capacity checks (PREFLIGHT_*).
   * @defaultValue a pool made from the config, started at its first check and never closed
   */
  preflight?: PreflightPool;
  /** The rate limits' clock in ms (tests move it). @defaultValue Redis's own clock */
  limiterClock?: () => number;
};
