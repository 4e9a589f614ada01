import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The metrics one process records; every process publishes its registry (see publish.ts). */
export type ProcessMetrics = {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  rateLimited: Counter;
  renderDuration: Histogram<'symbology' | 'format' | 'outcome'>;
  codesFinished: Counter<'status'>;
  webhookAttempts: Counter<'outcome'>;
  webhookAttemptDuration: Histogram<'outcome'>;
  jobsProcessed: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue' | 'outcome'>;
};

/**
 * A fresh registry (never prom-client's global one, so tests can hold several) with process metrics
 * and the service's own. Names follow Prometheus conventions: base units, _total for counters.
 */
export function createProcessMetrics(role: string): ProcessMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429 by the token buckets',
      registers,
    }),
    renderDuration: new Histogram({
      name: 'render_duration_seconds',
      help: 'Render job duration by symbology, format and outcome',
      labelNames: ['symbology', 'format', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    codesFinished: new Counter({
      name: 'codes_finished_total',
      help: 'Codes that reached a terminal status in a worker, by status',
      labelNames: ['status'],
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retry, failed, refused)',
      labelNames: ['outcome'],
      registers,
    }),
    webhookAttemptDuration: new Histogram({
      name: 'webhook_attempt_duration_seconds',
      help: 'Webhook delivery attempt duration by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobsProcessed: new Counter({
      name: 'queue_jobs_processed_total',
      help: 'Jobs a worker finished, by queue and outcome (completed, failed)',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'queue_job_duration_seconds',
      help: 'Job processing time by queue and outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    }),
  };
}
