import { runMaintenance, type MaintenanceDeps, type MaintenanceOutcome } from '../src/jobs/maintenance.ts';
import { checkEvictionPolicy } from '../src/queue/eviction.ts';
import { scheduleMaintenance } from '../src/queue/schedule.ts';
import { runWorker } from '../src/worker-runner.ts';

runWorker('maintenance', ({ config, db, redis, queues, log }) => {
  const deps: MaintenanceDeps = {
    db,
    queues,
    clock: () => new Date(),
    retention: {
      defaultDays: config.retentionDays,
      planDays: Object.fromEntries(
        Object.entries(config.plans).flatMap(([name, plan]) =>
          plan.retentionDays ? [[name, plan.retentionDays]] : [],
        ),
      ),
      codeDays: config.codeRetentionDays,
      batchSize: config.retentionBatchSize,
      eventDays: config.eventRetentionDays,
    },
    reconcile: { afterMs: config.reconcileAfterMs, batchSize: config.reconcileBatchSize },
  };
  const schedule = { reconcileMs: config.reconcileEveryMs, retentionMs: config.retentionEveryMs };
  return {
    process: (job) => runMaintenance(job, deps),
    onCompleted: (_job, outcome) => {
      const result = outcome as MaintenanceOutcome;
      const quiet =
        (result.task === 'reconcile' && result.requeued + result.expansions === 0) ||
        (result.task === 'retention' && result.results + result.codes === 0);
      if (quiet) log.debug(result, 'maintenance task done');
      else
        log.warn(
          result,
          result.task === 'reconcile'
            ? 'reconciler re-enqueued codes or batch expansions Redis had lost'
            : 'retention deleted expired rows',
        );
    },
    // Redis may not be up yet, or be flushed later (which also loses the schedulers): keep them registered.
    background: () => {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const ensureScheduled = async (): Promise<void> => {
        while (!stopped) {
          try {
            const { warning } = await checkEvictionPolicy(redis);
            if (warning) log.warn(warning);
            await scheduleMaintenance(queues, schedule);
            log.info(
              { reconcileEveryMs: schedule.reconcileMs, retentionEveryMs: schedule.retentionMs },
              'maintenance scheduled',
            );
            return;
          } catch (error) {
            log.warn({ err: error }, 'cannot schedule maintenance yet; retrying');
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      };
      void ensureScheduled().then(() => {
        // An upsert of a live scheduler would move its next run: register again only when missing.
        timer = setInterval(
          async () => {
            try {
              if (await queues.maintenance.getJobScheduler('reconcile')) return;
              await scheduleMaintenance(queues, schedule);
              log.warn('maintenance schedulers were missing from Redis; registered again');
            } catch {
              // Redis is down; the next tick tries again.
            }
          },
          Math.min(config.reconcileEveryMs, 30_000),
        );
      });
      return {
        stop: async () => {
          stopped = true;
          clearInterval(timer);
        },
      };
    },
  };
});
