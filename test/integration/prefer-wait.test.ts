import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('POST /v1/codes with Prefer: wait', () => {
  it('Prefer: wait=5 answers 200 with the succeeded QR code', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: `wait for me ${Date.now()}` }, { prefer: 'wait=5' });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=5');
    const code = (await res.json()) as any;
    expect(code).toMatchObject({ status: 'succeeded', symbology: 'qrcode', result: { content_type: 'image/png' } });
    expect(res.headers.get('retry-after')).toBeNull();
    expect(stack.codeStatus.channels()).toBe(0);
  });

  it('caps N at PREFER_WAIT_MAX_SECONDS and ignores a malformed preference', async () => {
    const capped = await stack.request('POST', '/v1/codes', { data: `cap ${Date.now()}` }, { prefer: 'wait=999' });
    expect(capped.headers.get('preference-applied')).toBe(`wait=${stack.config.preferWaitMaxSeconds}`);
    expect(capped.status).toBe(200);
    const ignored = await stack.request('POST', '/v1/codes', { data: `odd ${Date.now()}` }, { prefer: 'wait=soon' });
    expect(ignored.status).toBe(202);
    expect(ignored.headers.get('preference-applied')).toBeNull();
  });
});

describe('Prefer: wait without a worker', () => {
  it('answers the usual 202 when the code does not finish in time', async () => {
    const idle = await startStack({ workers: 0 });
    try {
      const res = await idle.request('POST', '/v1/codes', { data: 'nobody renders this' }, { prefer: 'wait=1' });
      expect(res.status).toBe(202);
      expect(res.headers.get('preference-applied')).toBe('wait=1');
      expect(((await res.json()) as any).status).toBe('queued');
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await idle.close();
    }
  });
});
