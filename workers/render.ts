import type { Job } from 'bullmq';
import { openJobDeps } from '../src/jobs/deps.ts';
import { renderCode } from '../src/jobs/render-code.ts';
import { runWorker } from '../src/worker-runner.ts';

runWorker('render', ({ config, db, redis, metrics, log }) => {
  const deps = openJobDeps(config, db, redis);
  // Render metrics and logs wrap the processor here, not inside it: renderCode stays a plain function.
  async function process(job: Job) {
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
  return { process, onCompleted: () => {} };
});
