// /console: the pages for the people who use the service. Every action is a request to the public API
// with the signed-in key (see api.ts); this module imports nothing of the API's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Redis } from 'ioredis';
import { apiJson, type ApiFetch, type Problem } from './api.ts';
import type { ConsoleEnv } from './env.ts';
import { consoleHeaders, requireSession, sameOrigin, secureRequests } from './guard.ts';
import { page, problemNote } from './layout.ts';
import { batchesPages } from './pages/batches.ts';
import { codesPages } from './pages/codes.ts';
import { keysPages } from './pages/keys.ts';
import { playgroundPages } from './pages/playground.ts';
import { usagePages } from './pages/usage.ts';
import { webhooksPages } from './pages/webhooks.ts';
import { createSessionStore } from './session.ts';

const ASSETS = path.join(import.meta.dirname, 'assets');
const asset = (file: string, type: string) => ({ body: readFileSync(path.join(ASSETS, file)), type });

/** Where a sign-in may send the browser next: one of our own pages only. */
const nextPage = (next: unknown) =>
  typeof next === 'string' && /^\/console\/[a-z-]+(\/[A-Za-z0-9_-]+)*$/.test(next) ? next : '/console/playground';

function signInPage(token: string, next: string, problem?: Problem) {
  return page({
    title: 'Sign in',
    body: html`<p>
        Paste an API key (<code>ck_live_…</code>). It stays on the server: this page and its scripts never see it again.
      </p>
      ${problemNote(problem)}
      <form method="post" action="/console/sign-in" class="stack">
        <input type="hidden" name="_csrf" value="${token}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required spellcheck="false" />
        <button type="submit">Sign in</button>
      </form>
      <p>No key yet? An operator creates one with <code>npm run cli -- keys create --account NAME</code>.</p>`,
  });
}

/** The console as a Hono app, mounted at /console by createApp; `fetch` is the API's own. */
export function consoleRoutes(options: {
  fetch: ApiFetch;
  redis: Redis;
  prefix: string;
  secretsKey: string;
  sessionTtlSeconds: number;
  trustedProxies: readonly string[];
}) {
  const isSecure = secureRequests(options.trustedProxies);
  const sessions = createSessionStore({
    redis: options.redis,
    prefix: options.prefix,
    secretsKey: options.secretsKey,
    ttlSeconds: options.sessionTtlSeconds,
    isSecure,
  });
  const assets = {
    'console.css': asset('console.css', 'text/css; charset=utf-8'),
    'console.js': asset('console.js', 'text/javascript; charset=utf-8'),
  } as Record<string, { body: Buffer; type: string }>;

  const app = new Hono<ConsoleEnv>();
  app.use(consoleHeaders());
  app.use(async (c, next) => {
    c.set('apiFetch', options.fetch);
    await next();
  });
  app.use(sameOrigin(isSecure));
  app.get('/assets/:file', (c) => {
    const found = assets[c.req.param('file')];
    if (!found) return c.text('Not found', 404);
    return c.body(new Uint8Array(found.body), 200, { 'Content-Type': found.type, 'Cache-Control': 'no-cache' });
  });
  app.get('/sign-in', async (c) => c.html(signInPage(await sessions.signInToken(c), nextPage(c.req.query('next')))));
  app.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const next = nextPage(form.next);
    if (!(await sessions.checkSignInToken(c, typeof form._csrf === 'string' ? form._csrf : undefined)))
      return c.text('Missing or wrong CSRF token: reload the sign-in page', 403);
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const token = await sessions.signInToken(c);
    if (!key)
      return c.html(
        signInPage(token, next, { status: 422, title: 'Paste an API key', detail: 'The key is empty.' }),
        422,
      );
    const account = await apiJson(c, 'GET', '/v1/account', undefined, { key });
    // The API's own answer: 401 for a bad key, 403 for a render-scoped one, 429 while this address is blocked.
    const refused = [401, 403, 429].includes(account.status) ? (account.status as 401) : 422;
    if (!account.ok) return c.html(signInPage(token, next, account.problem), refused);
    await sessions.create(c, key);
    return c.redirect(next, 303);
  });
  app.post('/sign-out', requireSession(sessions), async (c) => {
    await sessions.destroy(c);
    return c.redirect('/console/sign-in', 303);
  });

  const pages = new Hono<ConsoleEnv>();
  pages.use(requireSession(sessions));
  pages.get('/', (c) => c.redirect('/console/playground', 303));
  pages.route('/playground', playgroundPages());
  pages.route('/codes', codesPages());
  pages.route('/batches', batchesPages());
  pages.route('/webhooks', webhooksPages());
  pages.route('/keys', keysPages());
  pages.route('/usage', usagePages());
  app.route('/', pages);
  return app;
}
