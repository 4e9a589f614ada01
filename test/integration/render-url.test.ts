import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/harness.ts';

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
    const bad = await stack.request('POST', '/v1/render-urls', { data: 'x', format: 'gif', ttl_seconds: 10 ** 12 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors.map((e: any) => e.path)).toContain('ttl_seconds');
    const badSpec = await stack.request('POST', '/v1/render-urls', { data: 'x', format: 'gif' });
    expect(((await badSpec.json()) as any).errors.map((e: any) => e.path)).toContain('format');
  });
});
