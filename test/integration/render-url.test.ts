import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLinkToken } from '../../src/api/link-token.ts';
import { startStack, unchecked, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('GET /v1/render', () => {
  it('renders on first use (queued ahead and awaited), then serves the same bytes from the content cache', async () => {
    const url = `/v1/render?data=${encodeURIComponent(`https://example.com/img/${Date.now()}`)}&format=png&size=256`;
    const first = await stack.request('GET', url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect(Buffer.from(bytes.subarray(1, 4)).toString()).toBe('PNG');
    const codesBefore = (await stack.db.selectFrom('codes').select('id').execute()).length;
    const again = await stack.request('GET', url);
    expect(again.status).toBe(200);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect((await stack.db.selectFrom('codes').select('id').execute()).length).toBe(codesBefore); // a cache hit records nothing
    const notModified = await stack.request('GET', url, undefined, { 'if-none-match': first.headers.get('etag')! });
    expect(notModified.status).toBe(304);
  });

  it('answers bad parameters with a 422 problem naming each path', async () => {
    const res = await stack.request('GET', '/v1/render?symbology=ean13&data=12&format=gif&nonsense=1');
    expect(res.status).toBe(422);
    const problem = (await res.json()) as any;
    expect(problem.errors.map((e: any) => e.path)).toEqual(expect.arrayContaining(['format', 'nonsense']));
  });

  it("answers 503 render_pending with the code's Location when no worker renders in time", async () => {
    const idle = await startStack({ workers: 0, env: { RENDER_WAIT_SECONDS: '1' } });
    try {
      const res = await idle.request('GET', '/v1/render?data=nobody');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('location')).toMatch(/^\/v1\/codes\/code_/);
      expect(((await res.json()) as any).code).toBe('render_pending');
    } finally {
      await idle.close();
    }
  });
});

describe('signed render URLs', () => {
  it('POST /v1/render-urls mints a URL that serves the image without a key, until it expires or is altered', async () => {
    const minted = await stack.request('POST', '/v1/render-urls', {
      data: 'signed hello',
      format: 'svg',
      ttl_seconds: 600,
    });
    expect(minted.status).toBe(201);
    const { url, expires_at } = (await minted.json()) as { url: string; expires_at: string };
    expect(new Date(expires_at).getTime()).toBeGreaterThan(Date.now());
    const img = await stack.request('GET', url, undefined, { authorization: '' });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(img.headers.get('ratelimit')).not.toBeNull(); // limited like any other request
    const tampered = await stack.request('GET', `${url.slice(0, -2)}xx`, undefined, { authorization: '' });
    expect(tampered.status).toBe(401);
  });

  it('refuses to sign invalid parameters or a TTL over RENDER_URL_MAX_TTL_SECONDS', async () => {
    const bad = await stack.request(
      'POST',
      '/v1/render-urls',
      unchecked({ data: 'x', format: 'gif', ttl_seconds: 10 ** 12 }),
    );
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors.map((e: any) => e.path)).toContain('ttl_seconds');
    const badSpec = await stack.request('POST', '/v1/render-urls', unchecked({ data: 'x', format: 'gif' }));
    expect(((await badSpec.json()) as any).errors.map((e: any) => e.path)).toContain('format');
  });

  it('does not show the account id or the parameters in the URL', async () => {
    const minted = await stack.request('POST', '/v1/render-urls', { data: 'opaque-params-marker', format: 'svg' });
    const { url } = (await minted.json()) as { url: string };
    const { account_id } = stack.key;
    const token = url.split('/').at(-1)!;
    for (const text of [token, ...token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'))]) {
      expect(text).not.toContain(account_id);
      expect(text).not.toContain('opaque-params-marker');
    }
    expect((await stack.request('GET', url, undefined, { authorization: '' })).status).toBe(200);
  });

  it("failures on an expired link count against that link: the viewer's address keeps its key and other links", async () => {
    const limit = 3;
    const strict = await startStack({ env: { AUTH_FAILURES_PER_MINUTE: String(limit), AUTH_BLOCK_SECONDS: '300' } });
    try {
      const expired = signLinkToken(strict.config.linkSigningKey, {
        scope: 'render',
        accountId: strict.key.account_id,
        resource: JSON.stringify({ data: 'long gone' }),
        expires: Math.floor(Date.now() / 1000) - 60,
      });
      const statuses: number[] = [];
      for (let i = 0; i < limit + 5; i++)
        statuses.push((await strict.request('GET', `/v1/render/${expired}`, undefined, { authorization: '' })).status);
      expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(401));
      expect(statuses.slice(limit)).toEqual(Array(5).fill(429)); // the link itself is blocked
      // The same address, with its valid key and with a live link, is served.
      expect((await strict.request('GET', '/v1/codes')).status).toBe(200);
      const minted = await strict.request('POST', '/v1/render-urls', { data: 'still fine', format: 'svg' });
      const { url } = (await minted.json()) as { url: string };
      expect((await strict.request('GET', url, undefined, { authorization: '' })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
