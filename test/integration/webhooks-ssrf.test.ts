import { hostname } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/harness.ts';

// No allow-list here: the production policy (plain http allowed only so refusals are about the address).
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { WEBHOOK_ALLOW_HTTP: 'true' } });
});
afterAll(() => stack.close());

const CORPUS = [
  'http://127.0.0.1',
  'http://localhost',
  'http://[::1]',
  'http://[::ffff:127.0.0.1]',
  'http://0x7f000001',
  'http://2130706433',
  'http://0177.0.0.1',
  'http://10.0.0.1',
  'http://172.16.3.4',
  'http://192.168.1.1',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1',
  'http://0.0.0.0',
  'http://224.0.0.1',
  'http://[fe80::1]',
  'http://[fd00:ec2::254]',
  'http://[::127.0.0.1]',
  'http://metadata.google.internal',
  `http://${hostname()}`, // a name that resolves to a private address (this machine's own name)
  'ftp://example.com/file',
  'file:///etc/passwd',
];

it.each(CORPUS)('%s is refused with a 422 at submit', async (url) => {
  const res = await stack.request('POST', '/v1/codes', { data: 'ssrf', webhook_url: url });
  expect(res.status).toBe(422);
  const problem = (await res.json()) as any;
  expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  expect(problem.errors.map((e: any) => e.path)).toContain('webhook_url');

  const endpoint = await stack.request('POST', '/v1/webhook-endpoints', { url });
  expect(endpoint.status).toBe(422);
  expect(((await endpoint.json()) as any).errors.map((e: any) => e.path)).toContain('url');
});

it('a public address is accepted', async () => {
  const res = await stack.request('POST', '/v1/codes', { data: 'public', webhook_url: 'http://8.8.8.8/hook' });
  expect(res.status).toBe(202);
  expect(((await res.json()) as any).webhook_url).toBe('http://8.8.8.8/hook');
});

it('https is required unless WEBHOOK_ALLOW_HTTP', async () => {
  const strict = await startStack({ workers: 0 });
  try {
    const res = await strict.request('POST', '/v1/codes', { data: 'x', webhook_url: 'http://example.com/hook' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).errors[0].message).toMatch(/https/);
  } finally {
    await strict.close();
  }
});
