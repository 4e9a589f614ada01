import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

/** Where request counts and latencies go (a noop when the app has no metrics). */
export type HttpRecorder = (labels: { route: string; method: string; status: string }, seconds: number) => void;

/**
 * Records every request by route pattern (`/v1/codes/:id`, never the raw path, to bound label
 * cardinality), method and status. Runs first, so rejected and failed requests count too.
 */
export function httpMetrics(options: { record: HttpRecorder }): MiddlewareHandler {
  return async function httpMetrics(c, next) {
    const start = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const matched = routePath(c, -1);
      // A 404 that matched no handler (only a `*` middleware) is one series, whatever the path.
      const route = status === 404 && matched.endsWith('*') ? 'unmatched' : matched;
      options.record({ route, method: c.req.method, status: String(status) }, (performance.now() - start) / 1000);
    }
  };
}
