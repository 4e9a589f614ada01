import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { ApiDeps } from './deps.ts';
import type { AppEnv } from './env.ts';
import { createTokenBuckets } from '../limits/bucket.ts';
import { accessLog } from './middleware/access-log.ts';
import { anonymousScope } from './middleware/anonymous-scope.ts';
import { authenticate } from './middleware/auth.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { bodyTimeout } from './middleware/body-timeout.ts';
import { clientIp } from './middleware/client-ip.ts';
import { httpMetrics } from './middleware/http-metrics.ts';
import { ipGuard } from './middleware/ip-guard.ts';
import { queryText } from './middleware/query-text.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { enforceScope } from './middleware/scope.ts';
import { createMicroBatcher } from '../limits/micro-batch.ts';
import { touchKeys } from '../store/keys.ts';
import { accountRoutes } from './routes/account.ts';
import { verifyLinkToken } from './link-token.ts';
import { notFound, onError } from './problem.ts';
import { adminRoutes } from './routes/admin.ts';
import { batchesRoutes } from './routes/batches.ts';
import { codeEventsRoutes } from './routes/code-events.ts';
import { codesRoutes } from './routes/codes.ts';
import { docsRoutes } from './routes/docs.ts';
import { consoleRoutes } from '../console/routes.ts';
import { problemsRoutes } from './routes/problems.ts';
import { healthRoutes } from './routes/health.ts';
import { renderRoutes } from './routes/render.ts';
import { symbologiesRoutes } from './routes/symbologies.ts';
import { webhooksRoutes } from './routes/webhooks.ts';

/** The whole HTTP API as a Hono app (no listen: main.ts and tests serve it). */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const logError = deps.logError ?? ((error: unknown) => console.error(error));
  const app = new Hono<AppEnv>();
  app.use(requestId());
  if (deps.accessLog) app.use(accessLog({ write: deps.accessLog, sample: deps.config.accessLogSample }));
  const { isShuttingDown } = deps;
  if (isShuttingDown) {
    // While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere.
    app.use(async (c, next) => {
      await next();
      if (isShuttingDown()) c.header('Connection', 'close');
    });
  }
  const metrics = deps.metrics;
  if (metrics) {
    app.use(
      httpMetrics({
        record: (labels, seconds) => (metrics.httpRequests.inc(labels), metrics.httpDuration.observe(labels, seconds)),
      }),
    );
  }
  const { publicBaseUrl } = deps.config;
  app.onError(
    onError((error, c) => logError(error, { requestId: c.get('requestId'), path: c.req.path }), {
      retryAfterSeconds: deps.config.retryAfterSeconds,
      publicBaseUrl,
    }),
  );
  app.notFound(notFound({ publicBaseUrl, allowedMethods: (path) => allowedMethods(app, path) }));

  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes(deps));
  app.route('/', problemsRoutes());
  const admin = adminRoutes(deps);
  if (admin) app.route('/', admin);

  const { config } = deps;
  const buckets = createTokenBuckets({
    redis: deps.redis,
    prefix: config.queuePrefix,
    insuranceMs: config.limiterInsuranceMs,
    clock: deps.limiterClock,
  });
  // Last-use times reach PostgreSQL together, one statement per tick, at most once a minute per key.
  const touch = createMicroBatcher(
    async (uses: { keyId: string; at: Date }[]) => {
      await touchKeys(deps.db, [...new Set(uses.map((u) => u.keyId))], uses.at(-1)!.at);
      return uses.map(() => undefined);
    },
    { maxBatch: 500 },
  );
  // The order is the point: a cheap per-IP flood guard, then who is asking, then their limit, and
  // only then the body (size, validation) and the handler.
  const v1 = new Hono<AppEnv>();
  v1.use(clientIp({ trustedProxies: config.trustedProxies }));
  v1.use(ipGuard({ perSecond: config.ipFloodPerSecond }));
  v1.use(
    authenticate({
      db: deps.db,
      redis: deps.redis,
      prefix: config.queuePrefix,
      plans: config.plans,
      defaultPlan: config.defaultPlan,
      anonymous: config.anonymous,
      keyCacheTtlMs: config.keyCacheTtlMs,
      failuresPerMinute: config.authFailuresPerMinute,
      blockSeconds: config.authBlockSeconds,
      lastUsedIntervalMs: config.keyLastUsedIntervalMs,
      onUsed: (keyId, at) => void touch({ keyId, at }).catch((error) => logError(error, { keyId })),
      linkToken: (token, path) => {
        const grant = verifyLinkToken(config.linkSigningKey, token, Math.floor(Date.now() / 1000));
        if (grant?.scope === 'render') return path.startsWith('/v1/render/') ? grant : undefined;
        return grant?.scope === 'events' && path === `/v1/codes/${grant.resource}/events` ? grant : undefined;
      },
    }),
  );
  v1.use(enforceScope());
  v1.use(rateLimit({ buckets, onRejected: () => metrics?.rateLimited.inc() }));
  // Anonymous callers render and read by id; the rest needs a key (after the limit: refusals cost too).
  v1.use(anonymousScope());
  // Query strings are text before any handler reads them (JSON bodies: readJsonObject; batch rows: parseBatch).
  v1.use(queryText());
  // Batch uploads stream under their own, larger limit (BATCH_MAX_BYTES).
  v1.use(
    bodyLimit({ maxBytes: config.bodyLimitBytes, skip: (path, method) => method === 'POST' && path === '/v1/batches' }),
  );
  v1.use(bodyTimeout({ idleMs: config.bodyIdleTimeoutMs, totalMs: config.bodyTimeoutMs }));
  v1.route('/codes', codeEventsRoutes(deps));
  v1.route('/codes', codesRoutes(deps));
  v1.route('/batches', batchesRoutes(deps));
  v1.route('/symbologies', symbologiesRoutes());
  v1.route('/', webhooksRoutes(deps));
  v1.route('/', renderRoutes(deps));
  v1.route('/', accountRoutes(deps));
  app.route('/v1', v1);
  // The users' pages: every action they take is a request to this app's public API, with their key.
  app.get('/', (c) => c.redirect('/console', 302));
  app.route(
    '/console',
    consoleRoutes({
      fetch: (request, env) => app.fetch(request, env),
      redis: deps.redis,
      prefix: config.queuePrefix,
      secretsKey: config.secretsKey,
      sessionTtlSeconds: config.consoleSessionTtlSeconds,
      trustedProxies: config.trustedProxies,
    }),
  );
  return app;
}

const routeTables = new WeakMap<Hono<AppEnv>, { method: string; pattern: RegExp }[]>();
/** The methods the app serves `path` with (HEAD with GET), from its route table; [] when none. */
function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  let table = routeTables.get(app);
  if (!table) {
    const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    table = app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(
          `^${r.path
            .replace(/\/$/, '')
            .split('/')
            .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : escape(part)))
            .join('/')}/?$`,
        ),
      }));
    routeTables.set(app, table);
  }
  const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
