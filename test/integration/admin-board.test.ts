import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { QUEUES } from '../../src/queue/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { freePort, ROOT, startStack, type TestStack } from '../support/harness.ts';

const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'board password' };
const SCREENSHOT = path.join(ROOT, 'test-output', 'bull-board.png');

let stack: TestStack;
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  stack = await startStack({ workers: 0, env: ADMIN });
  const app = createApp({ config: stack.config, db: stack.db, redis: stack.redis, queues: stack.queues });
  const port = await freePort();
  server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }) as Server;
  base = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await stack.close();
});

it('without credentials /admin/queues is 401 with a Basic challenge', async () => {
  const res = await fetch(`${base}/admin/queues`);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  const wrong = await fetch(`${base}/admin/queues`, {
    headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` },
  });
  expect(wrong.status).toBe(401);
});

it('headless Chromium logs in and finds every catalog queue on the board, with no request leaving the machine', async () => {
  await stack.request('POST', '/v1/codes', { data: 'on the board' });
  const context = await browser.newContext({
    httpCredentials: { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASSWORD },
  });
  const page = await context.newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(base)) external.push(request.url());
  });
  const res = await page.goto(`${base}/admin/queues`);
  expect(res?.status()).toBe(200);
  for (const name of Object.keys(QUEUES)) {
    await page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 });
  }
  await page.getByText('Loading...').waitFor({ state: 'hidden', timeout: 10_000 });
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(external).toEqual([]);
  await context.close();
});

it('wrong admin passwords are throttled per IP like wrong API keys: past AUTH_FAILURES_PER_MINUTE the IP gets 429', async () => {
  const limit = 3;
  const strict = await startStack({ workers: 0, env: { ...ADMIN, AUTH_FAILURES_PER_MINUTE: String(limit) } });
  try {
    const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
    const get = (password: string, ip: string) =>
      strict.app.request(
        '/admin/queues',
        { headers: { authorization: basic(password) } },
        { incoming: { socket: { remoteAddress: ip } } },
      );
    const statuses: number[] = [];
    for (let i = 0; i < limit + 3; i++) statuses.push((await get(`guess-${i}`, '203.0.113.7')).status);
    expect(statuses).toEqual([...Array(limit).fill(401), ...Array(3).fill(429)]);
    const blocked = await get(ADMIN.ADMIN_PASSWORD, '203.0.113.7');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get(ADMIN.ADMIN_PASSWORD, '203.0.113.8')).status).toBe(200); // another address is not blocked
  } finally {
    await strict.close();
  }
});
