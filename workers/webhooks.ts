import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { exitOnSignal } from '../src/lifecycle.ts';
import { deliverWebhook, dispatchWebhooks, webhookDepsOf } from '../src/jobs/deliver-webhook.ts';
import { openWorkerDb } from '../src/jobs/deps.ts';
import { createLogger } from '../src/log.ts';
import { publishMetrics } from '../src/metrics/publish.ts';
import { createProcessMetrics } from '../src/metrics/registry.ts';
import { createRedis } from '../src/queue/connection.ts';
import { closeQueues, openQueues } from '../src/queue/producer.ts';
import { closeAgents } from '../src/webhooks/send.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, 'worker:webhooks');
const db = openWorkerDb(config);
const producer = createRedis(config.redisUrl, 'worker');
const queues = openQueues(producer, config.queuePrefix);
const connection = createRedis(config.redisUrl, 'worker');
const metrics = createProcessMetrics('worker:webhooks');
const stopPublishing = publishMetrics(producer, {
  prefix: config.queuePrefix,
  registry: metrics.registry,
  role: 'worker:webhooks',
  everyMs: config.metricsPublishMs,
});
const deps = webhookDepsOf(config, db, queues, (outcome, seconds) => {
  metrics.webhookAttempts.inc({ outcome });
  metrics.webhookAttemptDuration.observe({ outcome }, seconds);
});

const worker = new Worker('webhooks', (job) => deliverWebhook(job, deps), {
  connection,
  prefix: config.queuePrefix,
  concurrency: config.webhookConcurrency,
  lockDuration: config.webhookLockMs,
  stalledInterval: config.webhookLockMs,
});
worker.on('error', (error) => log.error({ err: error }, 'worker error'));
worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, 'webhook job failed'));
worker.on('completed', (job, result) => log.debug({ jobId: job.id, result }, 'webhook attempt'));

// The dispatcher: every WEBHOOK_SWEEP_MS, new events become deliveries and jobs, and pending deliveries
// whose job was lost are enqueued again. Several processes may run it: rows are claimed with SKIP LOCKED.
let stopped = false;
async function dispatchLoop(): Promise<void> {
  while (!stopped) {
    try {
      const added = await dispatchWebhooks({
        db,
        queues,
        schedule: config.webhookRetrySchedule,
        batch: config.webhookDispatchBatch,
        graceMs: config.webhookLockMs,
      });
      if (added > 0) log.debug({ added }, 'webhook jobs enqueued');
    } catch (error) {
      log.warn({ err: error }, 'webhook dispatch failed; retrying');
    }
    await new Promise((r) => setTimeout(r, config.webhookSweepMs));
  }
}
const dispatching = dispatchLoop();
log.info({ concurrency: config.webhookConcurrency }, 'webhooks worker ready');

exitOnSignal({
  log,
  timeoutMs: config.shutdownTimeoutMs,
  drain: async () => {
    stopped = true;
    await worker.close();
    await dispatching;
    await Promise.allSettled([stopPublishing(), db.destroy(), closeQueues(queues), connection.quit(), closeAgents()]);
    producer.disconnect();
  },
});
