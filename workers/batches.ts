import { expandBatch, sweepFinishedBatches } from '../src/jobs/expand-batch.ts';
import { createPreflightPool } from '../src/render/preflight-pool.ts';
import { runWorker } from '../src/worker-runner.ts';

runWorker('batches', ({ config, db, queues, log }) => {
  const limits = {
    chunkRows: config.batchChunkRows,
    metadataMaxKeys: config.metadataMaxKeys,
    metadataMaxValueLength: config.metadataMaxValueLength,
    minContrast: config.minContrast,
    renderJobCodes: config.renderJobCodes,
    logoSvg: { maxElements: config.logoSvgMaxElements, maxUses: config.logoSvgMaxUses },
  };
  // Rows' engine checks run on threads within PREFLIGHT_TIMEOUT_MS each, fairly between the accounts
  // whose batches expand at once (BATCH_CONCURRENCY): a costly batch delays only its own account.
  const preflight = createPreflightPool({
    threads: config.preflightThreads,
    timeoutMs: config.preflightTimeoutMs,
    maxPerAccount: config.preflightMaxPerAccount,
    eager: true,
  });
  return {
    process: (job) => expandBatch(job, { db, queues, limits, preflight }),
    // After the worker has closed: its last expansion's checks still run.
    close: () => preflight.close(),
    onCompleted: (job, result) => log.info({ jobId: job.id, result }, 'batch expanded'),
    background: () => {
      const sweep = setInterval(() => {
        sweepFinishedBatches({ db })
          .then((done) => done.forEach((batch) => log.info({ batchId: batch.id }, 'batch completed')))
          .catch((error) => log.warn({ err: error }, 'batch completion sweep failed'));
      }, config.batchSweepMs);
      return { stop: async () => clearInterval(sweep) };
    },
  };
});
