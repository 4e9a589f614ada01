// The one way a worker process starts: configuration, logger, database, one Redis connection, the queues,
// metrics, the BullMQ Worker with its queue's own settings, its events, and a drain on SIGTERM/SIGINT.
// workers/*.ts only say what their queue's jobs do.
import { setFlagsFromString } from 'node:v8';
import { Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfigOrExit, type Config } from './config.ts';
import { openWorkerDb } from './jobs/deps.ts';
import { exitOnSignal } from './lifecycle.ts';
import { createLogger, type Logger } from './log.ts';
import { publishMetrics } from './metrics/publish.ts';
import { createProcessMetrics, type ProcessMetrics } from './metrics/registry.ts';
import type { QueueName } from './queue/catalog.ts';
import { createRedis } from './queue/connection.ts';
import { closeQueues, openQueues, type Queues } from './queue/producer.ts';
import { waitForDependenciesOrExit } from './startup.ts';
import { workerHeapGrowthFlag } from './supervisor.ts';
import type { Db } from './store/db.ts';
import { serveWorkerHealth } from './worker-health.ts';

type WorkerSettings = Required<
  Pick<WorkerOptions, 'concurrency' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>
>;

/**
 * Each queue's worker settings: how many jobs run at once, how long a lock lasts (how soon a dead worker's
 * jobs go to another) and how often stalls are looked for. A missing queue fails to compile.
 */
export const WORKER_SETTINGS = {
  render: (c) => ({
    concurrency: c.renderConcurrency,
    lockDuration: c.renderLockMs,
    stalledInterval: c.renderStalledIntervalMs,
    maxStalledCount: c.renderMaxStalledCount,
  }),
  // Expansions at once per process: their rows' checks share the preflight pool fairly, and each holds a
  // transaction only for a chunk's insert.
  batches: (c) => ({
    concurrency: c.batchConcurrency,
    lockDuration: c.batchLockMs,
    stalledInterval: c.batchLockMs,
    maxStalledCount: c.batchMaxStalledCount,
  }),
  webhooks: (c) => ({
    concurrency: c.webhookConcurrency,
    lockDuration: c.webhookLockMs,
    stalledInterval: c.webhookLockMs,
    maxStalledCount: 1,
  }),
  maintenance: (c) => ({
    concurrency: 1,
    lockDuration: c.maintenanceLockMs,
    stalledInterval: c.maintenanceLockMs,
    maxStalledCount: 1,
  }),
} as const satisfies Record<QueueName, (config: Config) => WorkerSettings>;

/** What a worker process's setup gets: everything opened once for the process. */
export type WorkerContext = {
  config: Config;
  log: Logger;
  db: Db;
  /** The process's one Redis connection (BullMQ adds its own blocking one for the Worker). */
  redis: Redis;
  queues: Queues;
  metrics: ProcessMetrics;
};

/** What a queue's worker does, returned by its setup. */
export type WorkerRole = {
  process: (job: Job) => Promise<unknown>;
  /** Logs a finished job. @defaultValue a debug line with the job id and result */
  onCompleted?: (job: Job, result: unknown) => void;
  /** Work beside the queue (sweeps, dispatch loops); awaited, then stopped before the Worker closes. */
  background?: () => { stop: () => Promise<void> };
  /** Releases what the setup opened beyond the context. */
  close?: () => Promise<void>;
};

/**
 * Starts the worker process of one queue once Redis and PostgreSQL answer (or exits 1 naming the one that
 * does not) and runs it until SIGTERM/SIGINT, then drains and exits 0.
 */
export async function runWorker(queue: QueueName, setup: (context: WorkerContext) => WorkerRole): Promise<void> {
  const config = loadConfigOrExit();
  const heapGrowth = workerHeapGrowthFlag(config);
  if (heapGrowth) setFlagsFromString(heapGrowth);
  const roleName = `worker:${queue}`;
  const log = createLogger(config.logLevel, roleName);
  await waitForDependenciesOrExit(config, log, ['postgres', 'redis']);
  const db = openWorkerDb(config);
  const redis = createRedis(config.redisUrl, 'worker');
  const queues = openQueues(redis, config.queuePrefix);
  const metrics = createProcessMetrics(roleName);
  const stopPublishing = publishMetrics(redis, {
    prefix: config.queuePrefix,
    registry: metrics.registry,
    role: roleName,
    everyMs: config.metricsPublishMs,
  });
  const role = setup({ config, log, db, redis, queues, metrics });

  const worker = new Worker(queue, timed(queue, metrics, role.process), {
    connection: redis,
    prefix: config.queuePrefix,
    ...WORKER_SETTINGS[queue](config),
  });
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, `${queue} job failed`));
  worker.on(
    'completed',
    role.onCompleted ?? ((job, result) => log.debug({ jobId: job.id, result }, `${queue} job done`)),
  );
  worker.on('ready', () => log.info(`${queue} worker ready`));
  const background = role.background?.();
  let draining = false;
  const health =
    config.workerHealthPort > 0
      ? serveWorkerHealth({ port: config.workerHealthPort, log, redis, db, isDraining: () => draining })
      : undefined;

  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    drain: async () => {
      draining = true;
      await background?.stop();
      await worker.close();
      await Promise.allSettled([stopPublishing(), role.close?.(), closeQueues(queues), db.destroy()]);
      await redis.quit().catch(() => redis.disconnect());
      health?.close();
    },
  });
}

/** Every job's duration and outcome per queue, whatever the queue does. */
function timed(queue: QueueName, metrics: ProcessMetrics, process: WorkerRole['process']): WorkerRole['process'] {
  return async (job) => {
    const start = performance.now();
    let outcome = 'failed';
    try {
      const result = await process(job);
      outcome = 'completed';
      return result;
    } finally {
      const labels = { queue, outcome };
      metrics.jobsProcessed.inc(labels);
      metrics.jobDuration.observe(labels, (performance.now() - start) / 1000);
    }
  };
}
