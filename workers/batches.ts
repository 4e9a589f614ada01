import { completeFinishedBatches, expandBatch } from '../src/jobs/expand-batch.ts';
import { runWorker } from '../src/worker-runner.ts';

runWorker('batches', ({ config, db, queues, log }) => {
  const limits = {
    chunkRows: config.batchChunkRows,
    metadataMaxKeys: config.metadataMaxKeys,
    metadataMaxValueLength: config.metadataMaxValueLength,
    minContrast: config.minContrast,
    renderJobCodes: config.renderJobCodes,
  };
  return {
    process: (job) => expandBatch(job, { db, queues, limits }),
    onCompleted: (job, result) => log.info({ jobId: job.id, result }, 'batch expanded'),
    // Completion is noticed here, not by the render jobs: a job's transaction cannot see the counter
    // increments of other jobs committing at the same moment.
    background: () => {
      const sweep = setInterval(() => {
        completeFinishedBatches(db)
          .then((done) => done.forEach((batch) => log.info({ batchId: batch.id }, 'batch completed')))
          .catch((error) => log.warn({ err: error }, 'batch completion sweep failed'));
      }, config.batchSweepMs);
      return { stop: async () => clearInterval(sweep) };
    },
  };
});
