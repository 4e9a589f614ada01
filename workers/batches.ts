import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { exitOnSignal } from '../src/lifecycle.ts';
import { openWorkerDb } from '../src/jobs/deps.ts';
import { completeFinishedBatches, expandBatch } from '../src/jobs/expand-batch.ts';
import { createLogger } from '../src/log.ts';
import { createRedis } from '../src/queue/connection.ts';
import { closeQueues, openQueues } from '../src/queue/producer.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, 'worker:batches');
const db = openWorkerDb(config);
const producer = createRedis(config.redisUrl, 'producer');
const queues = openQueues(producer, config.queuePrefix);
const connection = createRedis(config.redisUrl, 'worker');
const limits = {
  chunkRows: config.batchChunkRows,
  metadataMaxKeys: config.metadataMaxKeys,
  metadataMaxValueLength: config.metadataMaxValueLength,
  minContrast: config.minContrast,
};

const worker = new Worker('batches', (job) => expandBatch(job, { db, queues, limits }), {
  connection,
  prefix: config.queuePrefix,
  concurrency: 1,
  lockDuration: config.renderLockMs,
  stalledInterval: config.renderStalledIntervalMs,
  maxStalledCount: config.renderMaxStalledCount,
});
worker.on('error', (error) => log.error({ err: error }, 'worker error'));
worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, 'batch expansion failed'));
worker.on('completed', (job, result) => log.info({ jobId: job.id, result }, 'batch expanded'));

// Completion is noticed here, not by the render jobs: a job's transaction cannot see the counter
// increments of other jobs committing at the same moment.
const sweep = setInterval(() => {
  completeFinishedBatches(db)
    .then((done) => done.forEach((batch) => log.info({ batchId: batch.id }, 'batch completed')))
    .catch((error) => log.warn({ err: error }, 'batch completion sweep failed'));
}, config.batchSweepMs);

exitOnSignal({
  log,
  timeoutMs: config.shutdownTimeoutMs,
  drain: async () => {
    clearInterval(sweep);
    await worker.close();
    await Promise.allSettled([db.destroy(), closeQueues(queues), connection.quit()]);
    producer.disconnect();
  },
});
