import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, unchecked, type RequestBody, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const URL_DATA = 'https://example.com/products/12345?utm=label&lot=A7';

describe('POST /v1/codes', () => {
  it('answers 202 with Location and a queued code object, then the worker finishes it', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: URL_DATA, metadata: { sku: 'A-1' } });
    expect(res.status).toBe(202);
    const code = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/v1/codes/${code.id}`);
    expect(code).toMatchObject({
      object: 'code',
      symbology: 'qrcode',
      format: 'png',
      data: URL_DATA,
      metadata: { sku: 'A-1' },
      batch_id: null,
      result: null,
      error: null,
    });
    expect(code.id).toMatch(/^code_[0-9a-z]{26}$/);
    expect(['queued', 'processing', 'succeeded']).toContain(code.status);
    expect(code.options).toBeTypeOf('object');
    expect(new Date(code.created_at).toISOString()).toBe(code.created_at);

    const done = await stack.waitForCode(code.id);
    expect(done.status).toBe('succeeded');
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();
    expect(done.result).toMatchObject({ url: `/v1/codes/${code.id}/content`, content_type: 'image/png' });
    expect(done.result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(done.result.width).toBeGreaterThan(20);
    expect(done.result.bytes).toBeGreaterThan(50);
  });

  it('answers identical parameters from the content cache at once, sharing one stored result', async () => {
    const body: RequestBody<'POST', '/v1/codes'> = { data: 'cache me', format: 'svg' };
    const first = (await (await stack.request('POST', '/v1/codes', body)).json()) as any;
    await stack.waitForCode(first.id);
    const res = await stack.request('POST', '/v1/codes', body);
    expect(res.status).toBe(202);
    const second = (await res.json()) as any;
    expect(second.status).toBe('succeeded');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(second.result.sha256).toBe((await stack.waitForCode(first.id)).result.sha256);
    const stored = await stack.db
      .selectFrom('results')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const keys = await stack.db
      .selectFrom('codes')
      .select('result_key')
      .where('id', 'in', [first.id, second.id])
      .execute();
    expect(new Set(keys.map((k) => k.result_key)).size).toBe(1);
    expect(Number(stored.n)).toBeGreaterThan(0);
  });
});

describe('GET /v1/codes/{id}', () => {
  it('sends Retry-After while the code is not terminal and none after', async () => {
    const pending = await startStackless();
    expect(pending.status).toBe(200);
    expect(pending.headers.get('retry-after')).toBe('1');
  });

  it('answers 404 problems for unknown and malformed ids', async () => {
    for (const id of ['code_00000000000000000000000000', 'nope', 'batch_123']) {
      const res = await stack.request('GET', `/v1/codes/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({
        status: 404,
        code: 'not_found',
        type: `${stack.config.publicBaseUrl}/problems/not_found`,
      });
    }
  });
});

/** A queued code that no worker will take: submitted to a stack without workers. */
async function startStackless(): Promise<Response> {
  const idle = await startStackWithoutWorkers();
  try {
    const code = (await (await idle.request('POST', '/v1/codes', { data: `pending ${Math.random()}` })).json()) as any;
    return await idle.request('GET', `/v1/codes/${code.id}`);
  } finally {
    await idle.close();
  }
}
async function startStackWithoutWorkers() {
  return startStack({ workers: 0 });
}

describe('GET /v1/codes/{id}/content', () => {
  it('serves the bytes with ETag, immutable caching and 304 on If-None-Match', async () => {
    const code = (await (await stack.request('POST', '/v1/codes', { data: 'content test' })).json()) as any;
    const done = await stack.waitForCode(code.id);
    const res = await stack.request('GET', `/v1/codes/${code.id}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('etag')).toBe(`"${done.result.sha256}"`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBe(done.result.bytes);
    const again = await stack.request('GET', `/v1/codes/${code.id}/content`, undefined, {
      'if-none-match': `"${done.result.sha256}"`,
    });
    expect(again.status).toBe(304);
  });

  it('answers 409 with Retry-After while the code is not finished', async () => {
    const idle = await startStackWithoutWorkers();
    try {
      const code = (await (await idle.request('POST', '/v1/codes', { data: 'not yet' })).json()) as any;
      const res = await idle.request('GET', `/v1/codes/${code.id}/content`);
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'code_not_ready', status: 409 });
    } finally {
      await idle.close();
    }
  });
});

describe('POST /v1/codes/{id}/cancel', () => {
  it('cancels a queued code, which no worker then renders, and leaves finished codes alone', async () => {
    const idle = await startStackWithoutWorkers();
    try {
      const code = (await (await idle.request('POST', '/v1/codes', { data: 'cancel me' })).json()) as any;
      const res = await idle.request('POST', `/v1/codes/${code.id}/cancel`);
      expect(res.status).toBe(200);
      const canceled = (await res.json()) as any;
      expect(canceled).toMatchObject({ id: code.id, status: 'canceled', result: null });
      expect(canceled.completed_at).not.toBeNull();
      expect(await idle.queues.render.getJob(code.id)).toBeUndefined();
      const content = await idle.request('GET', `/v1/codes/${code.id}/content`);
      expect(content.status).toBe(409);
      expect(((await content.json()) as any).code).toBe('code_not_succeeded');
    } finally {
      await idle.close();
    }
    const done = (await (await stack.request('POST', '/v1/codes', { data: 'finished first' })).json()) as any;
    await stack.waitForCode(done.id);
    const res = await stack.request('POST', `/v1/codes/${done.id}/cancel`);
    expect(((await res.json()) as any).status).toBe('succeeded');
  });
});

describe('GET /v1/codes', () => {
  it('pages through every code newest first with next_cursor, filtering by status', async () => {
    const idle = await startStackWithoutWorkers();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(((await (await idle.request('POST', '/v1/codes', { data: `list ${i}` })).json()) as any).id);
      }
      await idle.request('POST', `/v1/codes/${ids[3]}/cancel`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await idle.request('GET', `/v1/codes?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as any;
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data.map((c: any) => c.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
      const canceled = (await (await idle.request('GET', '/v1/codes?status=canceled')).json()) as any;
      expect(canceled.data.map((c: any) => c.id)).toEqual([ids[3]]);
      expect(canceled.next_cursor).toBeNull();
      for (const bad of ['limit=0', 'limit=1000', 'limit=abc', 'status=done', 'cursor=xyz', 'color=red']) {
        const res = await idle.request('GET', `/v1/codes?${bad}`);
        expect(res.status, bad).toBe(422);
        const problem = (await res.json()) as any;
        expect(problem.errors[0].path, bad).toBe(bad.split('=')[0]);
      }
    } finally {
      await idle.close();
    }
  });
});

describe('catalog and operators', () => {
  it('GET /v1/symbologies lists every symbology with its rules', async () => {
    const res = await stack.request('GET', '/v1/symbologies');
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    const ids = body.data.map((s: any) => s.id);
    for (const id of [
      'qrcode',
      'code128',
      'ean13',
      'datamatrix',
      'pdf417',
      'azteccode',
      'maxicode',
      'databarexpanded',
      'rectangularmicroqrcode',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('/healthz is alive and /readyz checks Redis and PostgreSQL', async () => {
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    const ready = await stack.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });
  });

  it('unknown routes are 404 problems with the request id', async () => {
    const res = await stack.request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    const body = (await res.json()) as any;
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
  });
});

describe('EAN/UPC add-ons', () => {
  it('a book EAN-13 with an EAN-5 add-on succeeds, verified main symbol and add-on', async () => {
    const res = await stack.request('POST', '/v1/codes', { symbology: 'ean13', data: '978186197271', addon: '52250' });
    expect(res.status, await res.clone().text()).toBe(202);
    const code = await stack.waitForCode(((await res.json()) as any).id);
    expect(code.status, JSON.stringify(code.error)).toBe('succeeded');
    expect(code).toMatchObject({ data: '9781861972712', options: { addon: '52250' } });
    expect(code.verification).toMatchObject({ verified: true, decoded_text: '978186197271252250' });
  });

  it('GET /v1/render keeps an add-on with a leading zero as text', async () => {
    const query = new URLSearchParams({ symbology: 'upca', data: '036000291452', addon: '05', format: 'svg' });
    const res = await stack.request('GET', `/v1/render?${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });

  it.each([
    [{ symbology: 'ean13', data: '9781861972712', addon: '522' }, 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'],
    [
      { symbology: 'upce', data: '01234565', addon: 52 },
      'must be a string of 2 or 5 digits (quoted: leading zeros count)',
    ],
    [{ symbology: 'ean8', data: '96385074', addon: '12' }, 'does not apply to ean8'],
  ])('%j is a 422 naming addon', async (body, message) => {
    const res = await stack.request('POST', '/v1/codes', unchecked(body));
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).errors).toEqual([{ path: 'addon', message }]);
  });

  it('GET /v1/symbologies lists the add-on for EAN-13, UPC-A and UPC-E', async () => {
    const { data } = (await (await stack.request('GET', '/v1/symbologies')).json()) as any;
    const withAddOn = data.filter((s: any) => s.options.addon).map((s: any) => s.id);
    expect(withAddOn).toEqual(['ean13', 'upca', 'upce']);
    expect(data.find((s: any) => s.id === 'upca').options.addon).toMatchObject({
      type: 'string',
      pattern: '^(\\d{2}|\\d{5})$',
      description: expect.stringMatching(/EAN-2 or EAN-5/),
    });
  });
});
