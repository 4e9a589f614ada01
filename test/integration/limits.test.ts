import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/store/keys.ts';
import { newApiKey } from '../../src/domain/secrets.ts';
import { eventually, startStack, type TestStack } from '../support/harness.ts';

// The token buckets run on this file's clock: time moves only when a test moves it, so every count
// below is worked out from the policy, whatever the machine's pace.
let now = Date.now();
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    workers: 0,
    env: { KEY_CACHE_TTL_MS: '200', AUTH_FAILURES_PER_MINUTE: '30', AUTH_BLOCK_SECONDS: '120' },
    limiterClock: () => now,
  });
});
afterAll(() => stack.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('token bucket by identity', () => {
  it('lets a burst of 10 through and refuses the 11th with Retry-After', async () => {
    const { key } = await stack.seedKey({ rate: 1, burst: 10 });
    const first = [];
    for (let i = 0; i < 10; i++) first.push(await stack.request('GET', '/v1/codes?limit=1', undefined, bearer(key)));
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(first[0]!.headers.get('ratelimit-policy')).toBe('"standard";q=10;w=10');
    expect(first.map((r) => r.headers.get('ratelimit'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `"standard";r=${9 - i};t=${i + 1}`),
    );

    const refused = await stack.request('GET', '/v1/codes?limit=1', undefined, bearer(key));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBe(1);
    expect(refused.headers.get('ratelimit-policy')).toBe('"standard";q=10;w=10');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited', policy: 'standard' });
  });

  it('refills at its rate: 5/s, asked every 100 ms for 4 s after emptying, lets exactly 20 through', async () => {
    const { key } = await stack.seedKey({ rate: 5, burst: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await stack.request('GET', '/v1/codes?limit=1', undefined, bearer(key))).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    // Each step adds half a token: every second request passes, and a refusal says when to come back.
    const pattern: number[] = [];
    for (let step = 0; step < 40; step++) {
      now += 100;
      const res = await stack.request('GET', '/v1/codes?limit=1', undefined, bearer(key));
      pattern.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toBe('1');
    }
    expect(pattern.filter((status) => status === 200)).toHaveLength(20);
    expect(pattern).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 === 1 ? 200 : 429)));
  });

  it('never limits an authenticated client by the anonymous per-IP plan', async () => {
    const ip = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await stack.request('GET', '/v1/symbologies', undefined, { authorization: '' }, { ip })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.slice(25)).toContain(429);
    const anonymous = await stack.request('GET', '/v1/symbologies', undefined, { authorization: '' }, { ip });
    expect(anonymous.status).toBe(429);
    expect(((await anonymous.json()) as any).policy).toBe('anonymous');

    const { key } = await stack.seedKey({ plan: 'free' });
    for (let i = 0; i < 30; i++) {
      const res = await stack.request('GET', '/v1/codes?limit=1', undefined, bearer(key), { ip });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"free";q=50;w=5');
    }
  });

  it('charges a submission to its own account bucket and leaves health checks unlimited', async () => {
    const { key } = await stack.seedKey({ rate: 0.01, burst: 2 });
    expect((await stack.request('POST', '/v1/codes', { data: 'a' }, bearer(key))).status).toBe(202);
    expect((await stack.request('POST', '/v1/codes', { data: 'b' }, bearer(key))).status).toBe(202);
    expect((await stack.request('POST', '/v1/codes', { data: 'c' }, bearer(key))).status).toBe(429);
    for (let i = 0; i < 50; i++)
      expect((await stack.request('GET', '/healthz', undefined, bearer(key))).status).toBe(200);
  });
});

describe('authentication', () => {
  it('refuses a missing key when anonymous access is off, and bad or revoked keys always', async () => {
    const closed = await startStack({ workers: 0, env: { ANONYMOUS: 'false' }, limiterClock: () => now });
    try {
      const res = await closed.request('GET', '/v1/codes', undefined, { authorization: '' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await res.json()) as any).code).toBe('unauthorized');
      expect((await closed.request('GET', '/v1/codes')).status).toBe(200);
    } finally {
      await closed.close();
    }
    for (const header of ['Bearer ' + newApiKey(), 'Bearer nonsense', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const res = await stack.request('GET', '/v1/codes', undefined, { authorization: header }, { ip: '198.51.100.1' });
      expect(res.status, header).toBe(401);
    }
    const created = await stack.seedKey();
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(created.key))).status).toBe(200);
    expect(await revokeApiKey(stack.db, created.key_id)).toBe(true);
    // Refused once the cached key expires (KEY_CACHE_TTL_MS=200 in this file).
    await eventually(
      async () => {
        expect((await stack.request('GET', '/v1/codes', undefined, bearer(created.key))).status).toBe(401);
        return true;
      },
      5000,
      50,
    );
  });

  it('blocks an IP that guesses keys, quickly, while other IPs keep working', async () => {
    const guesser = '192.0.2.66';
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i++) {
      statuses.push((await stack.request('GET', '/v1/codes', undefined, bearer(newApiKey()), { ip: guesser })).status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(970).fill(429));
    const valid = await stack.seedKey();
    const blocked = await stack.request('GET', '/v1/codes', undefined, bearer(valid.key), { ip: guesser });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(((await blocked.json()) as any).policy).toBe('auth-failures');
    expect((await stack.request('GET', '/v1/codes', undefined, bearer(valid.key), { ip: '192.0.2.67' })).status).toBe(
      200,
    );
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const proxied = await startStack({ workers: 0, env: { TRUSTED_PROXIES: '10.0.0.0/8' }, limiterClock: () => now });
    try {
      const drain = async (ip: string, xff: string) => {
        const statuses: number[] = [];
        for (let i = 0; i < 22; i++) {
          statuses.push(
            (
              await proxied.request(
                'GET',
                '/v1/symbologies',
                undefined,
                { authorization: '', 'x-forwarded-for': xff },
                { ip },
              )
            ).status,
          );
        }
        return statuses;
      };
      // Through the proxy, two clients have two buckets.
      expect((await drain('10.0.0.5', '198.51.100.10')).filter((s) => s === 429).length).toBeGreaterThan(0);
      expect((await drain('10.0.0.5', '198.51.100.11'))[0]).toBe(200);
      // A client that is not a proxy cannot pick its address: its forged header is ignored.
      expect((await drain('198.51.100.20', '198.51.100.30')).filter((s) => s === 429).length).toBeGreaterThan(0);
      expect((await drain('198.51.100.20', '198.51.100.31'))[0]).toBe(429);
    } finally {
      await proxied.close();
    }
  });
});

describe('tenant isolation', () => {
  it("every read and write of another account's code is a 404", async () => {
    const owner = await stack.seedKey();
    const other = await stack.seedKey();
    const created = (await (
      await stack.request('POST', '/v1/codes', { data: 'mine' }, bearer(owner.key))
    ).json()) as any;
    for (const [method, path] of [
      ['GET', `/v1/codes/${created.id}`],
      ['GET', `/v1/codes/${created.id}/content`],
      ['POST', `/v1/codes/${created.id}/cancel`],
    ] as const) {
      const res = await stack.request(method, path, undefined, bearer(other.key));
      expect(res.status, `${method} ${path}`).toBe(404);
      const anonymous = await stack.request(method, path, undefined, { authorization: '' }, { ip: '198.51.100.99' });
      // Anonymous callers read by id (404: not theirs) and may not cancel at all (403).
      expect(anonymous.status, `anonymous ${method} ${path}`).toBe(method === 'POST' ? 403 : 404);
    }
    const list = (await (await stack.request('GET', '/v1/codes', undefined, bearer(other.key))).json()) as any;
    expect(list.data.map((c: any) => c.id)).not.toContain(created.id);
    const mine = await stack.request('GET', `/v1/codes/${created.id}`, undefined, bearer(owner.key));
    expect(((await mine.json()) as any).status).toBe('queued');
  });
});
