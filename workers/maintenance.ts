import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { exitOnSignal } from '../src/lifecycle.ts';
import { openWorkerDb } from '../src/jobs/deps.ts';
import { runMaintenance, type MaintenanceDeps } from '../src/jobs/maintenance.ts';
import { createLogger } from '../src/log.ts';
import { publishMetrics } from '../src/metrics/publish.ts';
import { createProcessMetrics } from '../src/metrics/registry.ts';
import { createRedis } from '../src/queue/connection.ts';
import { checkEvictionPolicy } from '../src/queue/eviction.ts';
import { closeQueues, openQueues } from '../src/queue/producer.ts';
import { scheduleMaintenance } from '../src/queue/schedule.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, 'worker:maintenance');
const db = openWorkerDb(config);
const producer = createRedis(config.redisUrl, 'producer');
const queues = openQueues(producer, config.queuePrefix);
const connection = createRedis(config.redisUrl, 'worker');
const metrics = createProcessMetrics('worker:maintenance');
const stopPublishing = publishMetrics(producer, {
  prefix: config.queuePrefix,
  registry: metrics.registry,
  role: 'worker:maintenance',
  everyMs: config.metricsPublishMs,
});
const deps: MaintenanceDeps = {
  db,
  queues,
  clock: () => new Date(),
  retention: {
    defaultDays: config.retentionDays,
    planDays: Object.fromEntries(
      Object.entries(config.plans).flatMap(([name, plan]) => (plan.retentionDays ? [[name, plan.retentionDays]] : [])),
    ),
    codeDays: config.codeRetentionDays,
    batchSize: config.retentionBatchSize,
    eventDays: config.eventRetentionDays,
  },
  reconcile: { afterMs: config.reconcileAfterMs, batchSize: config.reconcileBatchSize },
};

const worker = new Worker('maintenance', (job) => runMaintenance(job, deps), {
  connection,
  prefix: config.queuePrefix,
  concurrency: 1,
});
worker.on('error', (error) => log.error({ err: error }, 'worker error'));
worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, 'maintenance task failed'));
worker.on('completed', (_job, result) => {
  const quiet =
    (result.task === 'reconcile' && result.requeued === 0) ||
    (result.task === 'retention' && result.results + result.codes === 0);
  if (quiet) log.debug(result, 'maintenance task done');
  else
    log.warn(
      result,
      result.task === 'reconcile' ? 'reconciler re-enqueued codes Redis had lost' : 'retention deleted expired rows',
    );
});

// Redis may not be up yet (or flushed later, which also loses the schedulers): keep trying.
async function ensureScheduled(): Promise<void> {
  for (;;) {
    try {
      const { warning } = await checkEvictionPolicy(producer);
      if (warning) log.warn(warning);
      await scheduleMaintenance(queues, { reconcileMs: config.reconcileEveryMs, retentionMs: config.retentionEveryMs });
      log.info(
        { reconcileEveryMs: config.reconcileEveryMs, retentionEveryMs: config.retentionEveryMs },
        'maintenance worker ready',
      );
      return;
    } catch (error) {
      log.warn({ err: error }, 'cannot schedule maintenance yet; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
void ensureScheduled().then(() => {
  // A FLUSHALL or a failover also loses the schedulers themselves: put them back when missing
  // (an upsert of a live scheduler would move its next run).
  setInterval(
    async () => {
      try {
        if (await queues.maintenance.getJobScheduler('reconcile')) return;
        await scheduleMaintenance(queues, {
          reconcileMs: config.reconcileEveryMs,
          retentionMs: config.retentionEveryMs,
        });
        log.warn('maintenance schedulers were missing from Redis; registered again');
      } catch {
        // Redis is down; the next tick tries again.
      }
    },
    Math.min(config.reconcileEveryMs, 30_000),
  ).unref();
});

exitOnSignal({
  log,
  timeoutMs: config.shutdownTimeoutMs,
  drain: async () => {
    await worker.close();
    await Promise.allSettled([stopPublishing(), db.destroy(), closeQueues(queues), connection.quit()]);
    producer.disconnect();
  },
});
