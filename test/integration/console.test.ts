import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAccountQuota } from '../../src/store/accounts.ts';
import { startStack, type TestStack } from '../support/harness.ts';

// The console through app.request, as a browser would use it: a cookie jar, forms, redirects.
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    workers: 0,
    env: {
      KEY_CACHE_TTL_MS: '0',
      TRUSTED_PROXIES: '10.0.0.0/8',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
    },
  });
});
afterAll(() => stack.close());

type Jar = Map<string, string>;
const ORIGIN = 'http://localhost';

function cookieHeader(jar: Jar) {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A browser-like request: sends the jar's cookies, stores what is set (Max-Age=0 removes). */
async function browse(
  jar: Jar,
  method: string,
  path: string,
  options: { form?: Record<string, string>; headers?: Record<string, string>; ip?: string } = {},
) {
  const headers: Record<string, string> = { cookie: cookieHeader(jar), ...options.headers };
  const init: RequestInit = { method, headers };
  if (options.form) {
    init.body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await stack.app.request(path, init, {
    incoming: { socket: { remoteAddress: options.ip ?? '127.0.0.1' } },
  });
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const [name, ...value] = pair!.split('=');
    if (/max-age=0/i.test(line)) jar.delete(name!);
    else jar.set(name!, value.join('='));
  }
  return res;
}

const formToken = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

/** Signs a new jar in with `key`; returns the jar, the sign-in response and the session's CSRF token. */
async function signIn(key: string, options: { headers?: Record<string, string>; ip?: string } = {}) {
  const jar: Jar = new Map();
  const form = await browse(jar, 'GET', '/console/sign-in', options);
  const token = formToken(await form.text())!;
  const res = await browse(jar, 'POST', '/console/sign-in', {
    ...options,
    form: { _csrf: token, key, next: '/console/keys' },
    headers: { origin: ORIGIN, ...options.headers },
  });
  const page = await browse(jar, 'GET', '/console/keys');
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1];
  return { jar, res, csrf };
}

const keysOf = async (key: string) =>
  ((await (await stack.request('GET', '/v1/keys', undefined, { authorization: `Bearer ${key}` })).json()) as any).data;

describe('console sign-in', () => {
  it('/ redirects to /console, and a page without a session redirects to sign-in', async () => {
    const root = await browse(new Map(), 'GET', '/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console');
    for (const path of ['/console', '/console/playground', '/console/codes', '/console/keys', '/console/usage']) {
      const res = await browse(new Map(), 'GET', path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(/^\/console\/sign-in\?next=/);
    }
  });

  it('sets an HttpOnly, SameSite=Strict, expiring session cookie that does not carry the key', async () => {
    const { key } = await stack.seedKey();
    const { res, jar } = await signIn(key);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/keys');
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith('console_session='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Max-Age=28800/);
    expect(cookie).toMatch(/; Path=\/console/);
    expect(cookie).not.toMatch(/; Secure/); // plain http from a client that is not a trusted proxy
    expect(cookie).not.toContain(key);
    expect(cookie).not.toContain(key.slice(8, 20));
    const page = await browse(jar, 'GET', '/console/keys');
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain(key.slice(0, 14)); // the key's visible prefix, listed
    expect(body).not.toContain(key);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('marks the cookie Secure behind a trusted proxy that says https, not when an untrusted client says it', async () => {
    const { key } = await stack.seedKey();
    const proxied = await signIn(key, {
      ip: '10.1.2.3',
      headers: { 'x-forwarded-proto': 'https', origin: 'https://localhost' },
    });
    expect(proxied.res.headers.getSetCookie().find((l) => l.startsWith('console_session='))).toMatch(/; Secure/);
    const forged = await signIn(key, { headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.res.headers.getSetCookie().find((l) => l.startsWith('console_session='))).not.toMatch(/; Secure/);
  });

  it('re-renders the form with the error for a bad key, setting no session', async () => {
    const { res, jar } = await signIn('ck_live_' + 'x'.repeat(32));
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('<form method="post" action="/console/sign-in"');
    expect(body).toMatch(/role="alert"/);
    expect(jar.has('console_session')).toBe(false);
  });

  it('refuses a render-scoped key (it may not read the account) with the API’s problem on the form', async () => {
    const { key } = await stack.seedKey();
    const render = (await (
      await stack.request('POST', '/v1/keys', { scope: 'render' }, { authorization: `Bearer ${key}` })
    ).json()) as any;
    const { res, jar } = await signIn(render.secret);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('insufficient_scope');
    expect(jar.has('console_session')).toBe(false);
  });

  it('refuses a sign-in form posted without its token (login CSRF)', async () => {
    const { key } = await stack.seedKey();
    const res = await browse(new Map(), 'POST', '/console/sign-in', { form: { key }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((l) => l.startsWith('console_session='))).toBe(false);
  });
});

describe('console CSRF', () => {
  it('refuses 403 a state-changing request without the token, with a wrong one, or from a foreign origin', async () => {
    const { key } = await stack.seedKey();
    const { jar, csrf } = await signIn(key);
    expect(csrf).toBeTruthy();
    const before = (await keysOf(key)).length;
    const attempts: { form: Record<string, string>; headers: Record<string, string> }[] = [
      { form: { name: 'no token' }, headers: { origin: ORIGIN } },
      { form: { name: 'wrong token', _csrf: 'x'.repeat(32) }, headers: { origin: ORIGIN } },
      { form: { name: 'foreign origin', _csrf: csrf! }, headers: { origin: 'https://evil.example' } },
      { form: { name: 'cross-site fetch', _csrf: csrf! }, headers: { 'sec-fetch-site': 'cross-site' } },
      {
        form: { name: 'header token, foreign origin' },
        headers: { 'x-csrf-token': csrf!, origin: 'https://evil.example' },
      },
    ];
    for (const attempt of attempts) {
      const res = await browse(jar, 'POST', '/console/keys', attempt);
      expect(res.status, attempt.form.name).toBe(403);
    }
    expect(await keysOf(key)).toHaveLength(before);
    // The same request with the session's token from our own origin goes through.
    const ok = await browse(jar, 'POST', '/console/keys', {
      form: { name: 'made here', _csrf: csrf! },
      headers: { origin: ORIGIN },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<code id="secret-value">ck_live_/);
    expect((await keysOf(key)).map((k: any) => k.name)).toContain('made here');
  });

  it('another session’s token does not work in this session', async () => {
    const { key } = await stack.seedKey();
    const mine = await signIn(key);
    const theirs = await signIn(key);
    const res = await browse(mine.jar, 'POST', '/console/keys', {
      form: { name: 'borrowed', _csrf: theirs.csrf! },
      headers: { origin: ORIGIN },
    });
    expect(res.status).toBe(403);
  });
});

describe('console sign-out', () => {
  it('clears the cookie and ends the session on the server (the old cookie no longer signs in)', async () => {
    const { key } = await stack.seedKey();
    const { jar, csrf } = await signIn(key);
    const stolen = new Map(jar);
    const refused = await browse(jar, 'POST', '/console/sign-out', { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(403);
    const out = await browse(jar, 'POST', '/console/sign-out', { form: { _csrf: csrf! }, headers: { origin: ORIGIN } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/sign-in');
    expect(out.headers.getSetCookie().find((l) => l.startsWith('console_session='))).toMatch(/Max-Age=0/);
    expect(jar.has('console_session')).toBe(false);
    const replayed = await browse(stolen, 'GET', '/console/keys');
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/console\/sign-in/);
  });
});

describe('console pages act through the API', () => {
  it('adds a webhook endpoint, then disables it with the edit form', async () => {
    const { key } = await stack.seedKey();
    const { jar, csrf } = await signIn(key);
    const headers = { origin: ORIGIN };
    const added = await browse(jar, 'POST', '/console/webhooks', {
      form: { _csrf: csrf!, url: 'http://127.0.0.1:9/hook' },
      headers,
    });
    expect(added.status).toBe(200);
    expect(await added.text()).toMatch(/<code id="secret-value">whsec_/);
    const bearer = { authorization: `Bearer ${key}` };
    const [endpoint] = ((await (await stack.request('GET', '/v1/webhook-endpoints', undefined, bearer)).json()) as any)
      .data;
    expect(endpoint.status).toBe('enabled');
    const saved = await browse(jar, 'POST', `/console/webhooks/${endpoint.id}`, {
      form: { _csrf: csrf!, url: 'http://127.0.0.1:9/other' },
      headers,
    });
    expect(saved.status).toBe(303);
    const after = (await (
      await stack.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, undefined, bearer)
    ).json()) as any;
    expect(after).toMatchObject({ status: 'disabled', url: 'http://127.0.0.1:9/other' });
  });

  it('previews a batch file with validate_only (row errors, nothing created) from a raw upload with the header token', async () => {
    const { key } = await stack.seedKey();
    const { jar, csrf } = await signIn(key);
    const res = await stack.app.request(
      '/console/batches?validate_only=true',
      {
        method: 'POST',
        headers: { cookie: cookieHeader(jar), 'x-csrf-token': csrf!, origin: ORIGIN, 'content-type': 'text/csv' },
        body: 'data,symbology\nok,qrcode\n4006381333932,ean13\n',
      },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('rows.3.data');
    expect(body).toMatch(/2 rows, 1 valid,\s+1 with errors/);
    const batches = (await (
      await stack.request('GET', '/v1/batches', undefined, { authorization: `Bearer ${key}` })
    ).json()) as any;
    expect(batches.data).toEqual([]);
  });

  it('shows usage per day as SVG bars and the monthly quota as a bar', async () => {
    const { key, account_id } = await stack.seedKey();
    await setAccountQuota(stack.db, account_id, 50);
    await stack.request('POST', '/v1/codes', { data: 'counted' }, { authorization: `Bearer ${key}` });
    const { jar } = await signIn(key);
    const page = await (await browse(jar, 'GET', '/console/usage')).text();
    expect(page).toMatch(/<progress\s+id="quota-bar"\s+max="50"\s+value="1"/);
    expect(page).toMatch(/<rect class="bar"/);
  });
});
