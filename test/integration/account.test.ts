import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAccountQuota } from '../../src/store/accounts.ts';
import { eventually, startStack, unchecked, type RequestBody, type TestStack } from '../support/harness.ts';

// Keys are looked up fresh on every request here (KEY_CACHE_TTL_MS=0), so a revocation, a quota set by
// the operator and a grace period's end are seen at once.
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ env: { KEY_CACHE_TTL_MS: '0', KEY_LAST_USED_INTERVAL_MS: '1000' } });
});
afterAll(() => stack.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const nextMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
};

/** A new account with its own monthly quota. */
async function accountWithQuota(quota: number | null) {
  const created = await stack.seedKey();
  await setAccountQuota(stack.db, created.account_id, quota);
  return created;
}

describe('GET /v1/account', () => {
  it('shows the plan, its limits and the monthly quota with what is used and when it resets', async () => {
    const { key } = await accountWithQuota(100);
    await stack.request('POST', '/v1/codes', { data: 'a' }, bearer(key));
    const res = await stack.request('GET', '/v1/account', undefined, bearer(key));
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expect(account).toMatchObject({
      object: 'account',
      plan: 'standard',
      limits: { max_concurrent_batches: 3 },
      quota: { monthly: 100, used: 1, remaining: 99, resets_at: nextMonth() },
    });
    expect(account.quota.costs).toEqual({ code: 1, styled: 2, logo: 5 });
  });

  it('is for keys only: an anonymous caller has no account to read', async () => {
    const res = await stack.request('GET', '/v1/account', undefined, { authorization: '' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).code).toBe('api_key_required');
  });
});

describe('monthly quota', () => {
  it('refuses past the quota with 429 quota_exceeded, the reset time, and the quota as a second policy', async () => {
    const { key } = await accountWithQuota(3);
    for (let i = 0; i < 3; i++) {
      const ok = await stack.request('POST', '/v1/codes', { data: `q${i}` }, bearer(key));
      expect(ok.status).toBe(202);
      expect(ok.headers.get('ratelimit-policy')).toMatch(/^"standard";q=\d+;w=\d+, "standard-monthly";q=3;w=\d+$/);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`"standard-monthly";r=${2 - i};t=\\d+$`));
    }
    const refused = await stack.request('POST', '/v1/codes', { data: 'q3' }, bearer(key));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    const untilReset = (Date.parse(nextMonth()) - Date.now()) / 1000;
    expect(Math.abs(retryAfter - untilReset)).toBeLessThan(5);
    expect(await refused.json()).toMatchObject({
      code: 'quota_exceeded',
      status: 429,
      resets_at: nextMonth(),
      policy: 'standard-monthly',
    });
    // GET /v1/render is charged like POST /v1/codes.
    const render = await stack.request('GET', '/v1/render?data=q4', undefined, bearer(key));
    expect(render.status).toBe(429);
  });

  it('admits exactly the quota from a burst of 50 concurrent submissions at a quota of 10', async () => {
    const { key } = await accountWithQuota(10);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stack.request('POST', '/v1/codes', { data: `burst-${i}` }, bearer(key))),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const list = (await (await stack.request('GET', '/v1/codes?limit=100', undefined, bearer(key))).json()) as any;
    expect(list.data).toHaveLength(10);
  });

  it('charges a styled code and a logo code their plan costs', async () => {
    const { key } = await accountWithQuota(7);
    const styled = await stack.request('POST', '/v1/codes', { data: 's', module_style: 'dots' }, bearer(key));
    expect(styled.status).toBe(202);
    const logo = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const withLogo = await stack.request('POST', '/v1/codes', { data: 'l', logo }, bearer(key));
    expect(withLogo.status).toBe(202);
    const account = (await (await stack.request('GET', '/v1/account', undefined, bearer(key))).json()) as any;
    expect(account.quota.used).toBe(7);
    expect((await stack.request('POST', '/v1/codes', { data: 'x' }, bearer(key))).status).toBe(429);
  });

  it('refuses a batch upload past the quota whole, leaving no batch behind', async () => {
    const { key } = await accountWithQuota(5);
    const csv = 'data\n' + Array.from({ length: 6 }, (_, i) => `row-${i}`).join('\n') + '\n';
    const refused = await stack.request('POST', '/v1/batches', csv, { ...bearer(key), 'content-type': 'text/csv' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).code).toBe('quota_exceeded');
    const batches = (await (await stack.request('GET', '/v1/batches', undefined, bearer(key))).json()) as any;
    expect(batches.data).toEqual([]);
    const account = (await (await stack.request('GET', '/v1/account', undefined, bearer(key))).json()) as any;
    expect(account.quota.used).toBe(0);
    const fits = await stack.request('POST', '/v1/batches', 'data\na\nb\n', {
      ...bearer(key),
      'content-type': 'text/csv',
    });
    expect(fits.status).toBe(202);
  });
});

describe('keys', () => {
  it('creates a named key whose secret is shown once, lists keys without secrets, and revokes', async () => {
    const { key } = await stack.seedKey();
    const created = await stack.request('POST', '/v1/keys', { name: 'ci' }, bearer(key));
    expect(created.status).toBe(201);
    const body = (await created.json()) as any;
    expect(body).toMatchObject({ object: 'key', name: 'ci', scope: 'full', status: 'active', expires_at: null });
    expect(body.secret).toMatch(/^ck_live_/);
    expect(created.headers.get('location')).toBe(`/v1/keys/${body.id}`);

    expect((await stack.request('GET', '/v1/codes', undefined, bearer(body.secret))).status).toBe(200);
    const listed = await stack.request('GET', '/v1/keys', undefined, bearer(key));
    const text = await listed.text();
    expect(text).not.toContain(body.secret);
    const list = JSON.parse(text);
    expect(list.data.map((k: any) => k.id)).toContain(body.id);
    for (const k of list.data) expect(Object.keys(k)).not.toContain('secret');
    const used = await eventually(async () => {
      const keys = (await (await stack.request('GET', '/v1/keys', undefined, bearer(key))).json()) as any;
      return keys.data.find((k: any) => k.id === body.id && k.last_used_at !== null);
    });
    expect(Date.parse(used.last_used_at)).toBeGreaterThan(Date.parse(body.created_at) - 1000);

    const revoked = await stack.request('DELETE', `/v1/keys/${body.id}`, undefined, bearer(key));
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as any).status).toBe('revoked');
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(body.secret))).status).toBe(401);
    expect((await stack.request('DELETE', `/v1/keys/${body.id}`, undefined, bearer(key))).status).toBe(404);
  });

  it("never shows or touches another account's keys", async () => {
    const alice = await stack.seedKey();
    const bob = await stack.seedKey();
    const bobsKeys = (await (await stack.request('GET', '/v1/keys', undefined, bearer(bob.key))).json()) as any;
    const target = bobsKeys.data[0].id;
    expect((await stack.request('DELETE', `/v1/keys/${target}`, undefined, bearer(alice.key))).status).toBe(404);
    expect((await stack.request('POST', `/v1/keys/${target}/roll`, {}, bearer(alice.key))).status).toBe(404);
    const alicesKeys = (await (await stack.request('GET', '/v1/keys', undefined, bearer(alice.key))).json()) as any;
    expect(alicesKeys.data.map((k: any) => k.id)).not.toContain(target);
  });

  it('refuses bad key bodies naming the field', async () => {
    const { key } = await stack.seedKey();
    const bad = await stack.request(
      'POST',
      '/v1/keys',
      unchecked({ scope: 'admin', expires_at: '2000-01-01T00:00:00Z' }),
      bearer(key),
    );
    expect(bad.status).toBe(422);
    const paths = ((await bad.json()) as any).errors.map((e: any) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['scope', 'expires_at']));
  });

  it('a roll body is optional, but one that is sent is validated like any other', async () => {
    const { key, key_id } = await stack.seedKey();
    const bad = await stack.request('POST', `/v1/keys/${key_id}/roll`, unchecked('{"grace_seconds":'), bearer(key));
    expect(bad.status).toBe(400);
    const nul = await stack.request(
      'POST',
      `/v1/keys/${key_id}/roll`,
      unchecked({ grace_seconds: 1, x: 'a\u0000b' }),
      bearer(key),
    );
    expect(nul.status).toBe(422);
    // Neither rolled the key: it still works and has no successor.
    const keys = (await (await stack.request('GET', '/v1/keys', undefined, bearer(key))).json()) as any;
    expect(keys.data.filter((k: any) => k.status === 'active')).toHaveLength(1);
    const bare = await stack.request('POST', `/v1/keys/${key_id}/roll`, undefined, bearer(key));
    expect(bare.status).toBe(201);
  });

  it('a rolled key keeps working through its grace period, then is 401 while its successor works', async () => {
    const { key, key_id } = await stack.seedKey();
    const rolled = await stack.request('POST', `/v1/keys/${key_id}/roll`, { grace_seconds: 2 }, bearer(key));
    expect(rolled.status).toBe(201);
    const successor = (await rolled.json()) as any;
    expect(successor.previous).toMatchObject({ id: key_id, status: 'active' });
    expect(Date.parse(successor.previous.expires_at) - Date.now()).toBeLessThanOrEqual(2000);
    // Within the grace period both keys work (the successor's secret is new).
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(key))).status).toBe(200);
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(successor.secret))).status).toBe(200);
    // Then the old one is refused, with a reason, and never blocks the address for the successor.
    const expired = await eventually(async () => {
      const res = await stack.request('GET', '/v1/codes', undefined, bearer(key));
      return res.status === 401 ? res : undefined;
    }, 10_000);
    expect(((await expired.json()) as any).detail).toMatch(/expired/);
    for (let i = 0; i < 40; i++) await stack.request('GET', '/v1/codes', undefined, bearer(key));
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(successor.secret))).status).toBe(200);
    const list = (await (await stack.request('GET', '/v1/keys', undefined, bearer(successor.secret))).json()) as any;
    expect(list.data.find((k: any) => k.id === key_id).status).toBe('expired');
  });
});

describe('a render-scoped (publishable) key', () => {
  it('renders and reads its codes, and nothing else', async () => {
    const { key } = await stack.seedKey();
    const created = (await (
      await stack.request('POST', '/v1/keys', { name: 'web page', scope: 'render' }, bearer(key))
    ).json()) as any;
    const pub = bearer(created.secret);
    const code = await stack.request('POST', '/v1/codes', { data: 'from a page' }, pub);
    expect(code.status).toBe(202);
    const { id } = (await code.json()) as any;
    expect((await stack.request('GET', `/v1/codes/${id}`, undefined, pub)).status).toBe(200);
    expect((await stack.request('GET', '/v1/symbologies', undefined, pub)).status).toBe(200);

    const refused = [
      ['GET', '/v1/codes'],
      ['POST', `/v1/codes/${id}/cancel`],
      ['POST', '/v1/batches'],
      ['GET', '/v1/batches'],
      ['GET', '/v1/webhook-endpoints'],
      ['POST', '/v1/webhook-endpoints'],
      ['GET', '/v1/keys'],
      ['POST', '/v1/keys'],
      ['GET', '/v1/account'],
      ['GET', '/v1/usage'],
      ['GET', '/v1/events'],
    ] as const;
    for (const [method, path] of refused) {
      // The scope refuses before the body is read: one (unchecked) body for every route of the table.
      const res = await stack.request(method, path, unchecked(method === 'POST' ? {} : undefined), pub);
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(((await res.json()) as any).code).toBe('insufficient_scope');
    }
  });
});

describe('GET /v1/usage', () => {
  it('counts the codes created by symbology and format, stored bytes and webhook deliveries per day', async () => {
    const { key } = await stack.seedKey();
    const today = new Date().toISOString().slice(0, 10);
    const submissions: RequestBody<'POST', '/v1/codes'>[] = [
      { data: 'u1' },
      { data: 'u2', format: 'svg' },
      { symbology: 'ean13', data: '590123412345' },
      { symbology: 'code128', data: 'ABC', format: 'svg' },
    ];
    const ids: string[] = [];
    for (const body of submissions) {
      const res = await stack.request('POST', '/v1/codes', body, bearer(key));
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as any).id);
    }
    const batch = await stack.request('POST', '/v1/batches?symbology=code39', 'data\nA1\nB2\n', {
      ...bearer(key),
      'content-type': 'text/csv',
    });
    expect(batch.status).toBe(202);
    for (const id of ids)
      await eventually(async () => {
        const code = (await (await stack.request('GET', `/v1/codes/${id}`, undefined, bearer(key))).json()) as any;
        return code.status === 'succeeded';
      });

    const res = await stack.request(
      'GET',
      `/v1/usage?from=${today}&to=${today}&granularity=day`,
      undefined,
      bearer(key),
    );
    expect(res.status).toBe(200);
    const usage = (await res.json()) as any;
    expect(usage).toMatchObject({ object: 'usage', from: today, to: today, granularity: 'day' });
    expect(usage.data).toHaveLength(1);
    expect(usage.data[0]).toMatchObject({
      date: today,
      codes: 6,
      by_symbology: { qrcode: 2, ean13: 1, code128: 1, code39: 2 },
      by_format: { png: 4, svg: 2 },
    });
    expect(usage.data[0].bytes_stored).toBeGreaterThan(0);
    expect(usage.totals.codes).toBe(6);
  });

  it('counts batch rows with names outside the catalog as invalid, not as a usage field each', async () => {
    const { key } = await stack.seedKey();
    const today = new Date().toISOString().slice(0, 10);
    const rows = Array.from({ length: 20 }, (_, i) => `x,made-up-${i},png`).join('\n');
    const res = await stack.request('POST', '/v1/batches', `data,symbology,format\n${rows}\nok,code39,svg\n`, {
      ...bearer(key),
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(202);
    const usage = (await (
      await stack.request('GET', `/v1/usage?from=${today}&to=${today}`, undefined, bearer(key))
    ).json()) as any;
    expect(usage.data[0].by_symbology).toEqual({ invalid: 20, code39: 1 });
  });

  it('answers every day of a range, and refuses a range it does not serve naming the field', async () => {
    const { key } = await stack.seedKey();
    const range = await stack.request('GET', '/v1/usage?from=2026-01-01&to=2026-01-10', undefined, bearer(key));
    expect(range.status).toBe(200);
    const usage = (await range.json()) as any;
    expect(usage.data.map((d: any) => d.date)).toHaveLength(10);
    expect(usage.data.every((d: any) => d.codes === 0)).toBe(true);
    const bad = await stack.request('GET', '/v1/usage?from=2026-13-01', undefined, bearer(key));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors[0].path).toBe('from');
    const long = await stack.request('GET', '/v1/usage?from=2020-01-01&to=2026-01-01', undefined, bearer(key));
    expect(long.status).toBe(422);
  });
});
