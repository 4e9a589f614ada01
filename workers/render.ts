import type { Job } from 'bullmq';
import { openJobDeps } from '../src/jobs/deps.ts';
import { renderCodes } from '../src/jobs/render-code.ts';
import { runWorker } from '../src/worker-runner.ts';

runWorker('render', ({ config, db, redis, metrics, log }) => {
  const deps = openJobDeps(config, db, redis);
  // Render metrics and logs wrap the processor here, not inside it: renderCodes stays a plain function.
  async function process(job: Job) {
    const outcomes = await renderCodes(job, deps);
    for (const result of outcomes) {
      if (result.outcome === 'skipped') continue;
      metrics.renderDuration.observe(
        { symbology: result.symbology, format: result.format, outcome: result.outcome },
        result.seconds,
      );
      metrics.codesFinished.inc({ status: result.outcome });
      const fields = {
        codeId: result.codeId,
        requestId: result.requestId,
        symbology: result.symbology,
        format: result.format,
        ms: Math.round(result.seconds * 1000),
      };
      if (result.outcome === 'succeeded') log.debug({ ...fields, cached: result.cached }, 'code rendered');
      else log.info({ ...fields, reason: result.message }, 'code failed');
    }
    return outcomes;
  }
  return { process, onCompleted: () => {} };
});
