import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { gatherMetrics } from '../../metrics/publish.ts';
import { queueDepthRegistry } from '../../metrics/queue-depth.ts';
import { QUEUES, type QueueName } from '../../queue/catalog.ts';
import type { ApiDeps } from '../deps.ts';
import { createFailureCounter } from '../../limits/failures.ts';
import type { AppEnv } from '../env.ts';
import { adminAuth, bearerOr } from '../middleware/admin-auth.ts';
import { clientIp } from '../middleware/client-ip.ts';

const BOARD_PATH = '/admin/queues';
// The board's page links a web font; offline (and to keep operators' browsers off third parties) it
// is dropped and the system font is used.
const REMOTE_FONT = /<link[^>]+fonts\.googleapis\.com[^>]*>/g;

/**
 * Operator pages behind HTTP Basic (ADMIN_USER / ADMIN_PASSWORD): Bull Board at /admin/queues over
 * every catalog queue, and /metrics (Prometheus text) for every process, which METRICS_TOKEN also reads
 * as a bearer token (an autoscaler's credential, not the admin's). Absent when no credential is set.
 */
export function adminRoutes(deps: ApiDeps): Hono<AppEnv> | undefined {
  const { adminUser, adminPassword, adminReadOnly, queuePrefix, metricsToken, trustedProxies } = deps.config;
  const boardOn = Boolean(adminUser && adminPassword);
  if (!boardOn && !metricsToken) return undefined;
  const app = new Hono<AppEnv>();
  // Wrong admin passwords are throttled like wrong API keys, under their own counter.
  const failures = createFailureCounter({
    redis: deps.redis,
    keyPrefix: `${queuePrefix}:adminfail`,
    perMinute: deps.config.authFailuresPerMinute,
    blockSeconds: deps.config.authBlockSeconds,
  });
  const auth = adminAuth({ user: adminUser, password: adminPassword, enabled: boardOn, failures });
  app.use('/metrics', clientIp({ trustedProxies }));
  app.use(`${BOARD_PATH}/*`, clientIp({ trustedProxies }));
  app.use(BOARD_PATH, clientIp({ trustedProxies }));
  app.use('/metrics', metricsToken ? bearerOr(metricsToken, auth) : auth);
  app.get('/metrics', async (c) => {
    const queues = Object.fromEntries((Object.keys(QUEUES) as QueueName[]).map((name) => [name, deps.queues[name]]));
    const [processes, depth] = await Promise.all([
      gatherMetrics(deps.redis, { prefix: queuePrefix, own: deps.metrics?.registry, ownRole: deps.metricsRole }),
      queueDepthRegistry(queues),
    ]);
    // prom-client writes an aggregated NaN as "Nan"; the exposition format spells it "NaN".
    const text = ((await processes.metrics()) + (await depth.metrics())).replace(/ Nan$/gm, ' NaN');
    return c.text(text, 200, { 'Content-Type': processes.contentType });
  });
  if (!boardOn) return app;

  app.use(`${BOARD_PATH}/*`, auth);
  app.use(BOARD_PATH, auth);
  const board = new HonoAdapter(serveStatic).setBasePath(BOARD_PATH);
  createBullBoard({
    queues: (Object.keys(QUEUES) as QueueName[]).map(
      (name) => new BullMQAdapter(deps.queues[name], { readOnlyMode: adminReadOnly, allowRetries: !adminReadOnly }),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'codes' } },
  });
  const boardApp = board.registerPlugin();
  app.use(`${BOARD_PATH}/*`, async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.res = new Response((await c.res.text()).replace(REMOTE_FONT, ''), c.res);
    }
  });
  app.route(BOARD_PATH, boardApp);
  return app;
}
