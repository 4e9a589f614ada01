import { Worker, type Job } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { exitOnSignal } from '../src/lifecycle.ts';
import { openJobDeps } from '../src/jobs/deps.ts';
import { renderCode, type RenderOutcome } from '../src/jobs/render-code.ts';
import { createLogger } from '../src/log.ts';
import { publishMetrics } from '../src/metrics/publish.ts';
import { createProcessMetrics } from '../src/metrics/registry.ts';
import { createRedis } from '../src/queue/connection.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, 'worker:render');
const connection = createRedis(config.redisUrl, 'worker');
const deps = openJobDeps(config, connection);

const metrics = createProcessMetrics('worker:render');
const stopPublishing = publishMetrics(connection, {
  prefix: config.queuePrefix,
  registry: metrics.registry,
  role: 'worker:render',
  everyMs: config.metricsPublishMs,
});

// Metrics and logs wrap the processor here, not inside it: renderCode stays a plain function.
async function processRender(job: Job): Promise<RenderOutcome> {
  const start = performance.now();
  const result = await renderCode(job, deps);
  if (result.outcome === 'skipped') return result;
  const seconds = (performance.now() - start) / 1000;
  metrics.renderDuration.observe(
    { symbology: result.symbology, format: result.format, outcome: result.outcome },
    seconds,
  );
  metrics.codesFinished.inc({ status: result.outcome });
  const fields = {
    codeId: result.codeId,
    requestId: result.requestId,
    symbology: result.symbology,
    format: result.format,
    ms: Math.round(seconds * 1000),
  };
  if (result.outcome === 'succeeded') log.debug({ ...fields, cached: result.cached }, 'code rendered');
  else log.info({ ...fields, reason: result.message }, 'code failed');
  return result;
}

const worker = new Worker('render', processRender, {
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

exitOnSignal({
  log,
  timeoutMs: config.shutdownTimeoutMs,
  drain: async () => {
    await worker.close();
    await Promise.allSettled([stopPublishing(), deps.close()]);
    await connection.quit().catch(() => {});
  },
});
