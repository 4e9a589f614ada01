import { deliverWebhook, dispatchWebhooks, webhookDepsOf } from '../src/jobs/deliver-webhook.ts';
import { runWorker } from '../src/worker-runner.ts';
import { closeAgents } from '../src/webhooks/send.ts';

runWorker('webhooks', ({ config, db, queues, metrics, log }) => {
  const deps = webhookDepsOf(config, db, queues, (outcome, seconds) => {
    metrics.webhookAttempts.inc({ outcome });
    metrics.webhookAttemptDuration.observe({ outcome }, seconds);
  });
  return {
    process: (job) => deliverWebhook(job, deps),
    // The dispatcher: every WEBHOOK_SWEEP_MS, new events become deliveries and jobs, and pending deliveries
    // whose job was lost are enqueued again. Several processes may run it: rows are claimed with SKIP LOCKED.
    background: () => {
      let stopped = false;
      const dispatching = (async () => {
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
      })();
      return {
        stop: async () => {
          stopped = true;
          await dispatching;
        },
      };
    },
    close: closeAgents,
  };
});
