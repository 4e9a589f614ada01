import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { openJobDeps } from '../src/jobs/deps.ts';
import { renderCode } from '../src/jobs/render-code.ts';
import { createLogger } from '../src/log.ts';
import { createRedis } from '../src/queue/connection.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, 'worker:render');
const deps = openJobDeps(config);
const connection = createRedis(config.redisUrl, 'worker');

const worker = new Worker('render', (job) => renderCode(job, deps), {
  connection,
  prefix: config.queuePrefix,
  concurrency: config.renderConcurrency,
  lockDuration: config.renderLockMs,
  stalledInterval: config.renderStalledIntervalMs,
  maxStalledCount: config.renderMaxStalledCount,
});
worker.on('error', (error) => log.error({ err: error }, 'worker error'));
worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, 'render job failed'));
worker.on('ready', () => log.info('render worker ready'));

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'render worker draining');
  // Past the bound, abandon active jobs: their locks expire and another worker takes them.
  const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
  await worker.close();
  await Promise.allSettled([deps.close(), connection.quit()]);
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
