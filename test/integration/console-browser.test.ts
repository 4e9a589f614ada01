import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Worker } from 'bullmq';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverWebhook, webhookDepsOf } from '../../src/jobs/deliver-webhook.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { launchBrowser } from '../support/browser.ts';
import { eventually, freePort, ROOT, startStack, type TestStack } from '../support/harness.ts';
import { startReceiver } from '../support/receiver.ts';

// The console in headless Chromium against a real server on 127.0.0.1, with render, batch and webhook
// workers in-process. Screenshots go to test-output/console/ (git-ignored).
const SHOTS = path.join(ROOT, 'test-output', 'console');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let stack: TestStack;
let server: Server;
let browser: Browser;
let base: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stopWebhooks: () => Promise<void>;
const shared = {} as { context: BrowserContext };

beforeAll(async () => {
  stack = await startStack({
    env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', KEY_CACHE_TTL_MS: '0' },
  });
  const connection = createRedis(stack.config.redisUrl, 'worker');
  const deps = webhookDepsOf(stack.config, stack.db, stack.queues);
  const worker = new Worker('webhooks', (job) => deliverWebhook(job, deps), {
    connection,
    prefix: stack.config.queuePrefix,
  });
  stopWebhooks = async () => (await worker.close(), connection.disconnect());
  receiver = await startReceiver();
  const port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
  base = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
  await receiver?.close();
  await stopWebhooks?.();
  await stack?.close();
});

/** A page that records every request leaving 127.0.0.1 and every console error or page error. */
async function watchedPage() {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1100, height: 900 },
  });
  const page = await context.newPage();
  const external: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith(`blob:${base}/`) && !url.startsWith('data:')) external.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return { context, page, external, errors };
}

async function signIn(page: Page) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/console\/sign-in/);
  await page.getByLabel('API key').fill(stack.key.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/playground/);
}

const previewLoaded = (page: Page) =>
  page.waitForFunction(
    "(() => { const img = document.getElementById('preview'); return img && img.complete && img.naturalWidth > 0; })()",
  );

it('drives the console: previews, a batch and its ZIP, a key, a webhook replay — nothing leaves localhost, no console error', async () => {
  const { context, page, external, errors } = await watchedPage();
  shared.context = context;
  await signIn(page);
  // The key is in no page and no script can read the session cookie (HttpOnly).
  expect(await page.content()).not.toContain(stack.key.key);
  expect(await page.evaluate('document.cookie')).not.toContain('console_session');

  // Playground: an EAN-13, then a styled QR code, and its verification receipt.
  await page.getByLabel('Symbology').selectOption('ean13');
  await page.waitForURL(/symbology=ean13/);
  await previewLoaded(page);
  await page.getByLabel('Data').fill('590123412345');
  await page.waitForSelector('#preview[data-state="ready"]');
  await expect.poll(() => page.locator('#snippet-curl').textContent()).toContain('"data":"590123412345"');
  await page.screenshot({ path: path.join(SHOTS, 'playground-ean13.png'), fullPage: true });

  await page.getByLabel('Symbology').selectOption('qrcode');
  await page.waitForURL(/symbology=qrcode/);
  await page.getByLabel('module style').selectOption('dots');
  await page.getByLabel('finder style').selectOption('rounded');
  await page.getByLabel('foreground').fill('#1d4ed8');
  await expect
    .poll(() => page.locator('#snippet-python').textContent())
    .toContain('"module_style": "dots"'.replace(': ', ':'));
  await page.waitForSelector('#preview[data-state="ready"]');
  await page.getByRole('button', { name: 'Create the code and show its receipt' }).click();
  await page.locator('#receipt').waitFor();
  expect(await page.locator('#receipt').textContent()).toMatch(/succeeded[\s\S]*verified by/);
  await page.screenshot({ path: path.join(SHOTS, 'playground-styled-qr.png'), fullPage: true });

  // Codes: the list shows the code just made, with its image and download.
  await page.goto(`${base}/console/codes`);
  await page.locator('.card img').first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'codes.png'), fullPage: true });

  // Batches: a validate_only preview with a row error, then a 100-row CSV, its live counts and its ZIP.
  await page.goto(`${base}/console/batches`);
  await page.setInputFiles('#batch-file', {
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('data,symbology\nfine,qrcode\n4006381333932,ean13\n'),
  });
  await page.getByLabel('Only validate').check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('#upload-result').getByText('rows.3.data').waitFor(); // row 1 is the header
  expect(await page.locator('#upload-result').textContent()).toContain('1 with errors');
  await page.getByLabel('Only validate').uncheck();
  const csv = 'data,filename\n' + Array.from({ length: 100 }, (_, i) => `row-${i},code-${i}`).join('\n') + '\n';
  await page.setInputFiles('#batch-file', { name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/console\/batches\/batch_/);
  await page.getByText('Status completed').waitFor({ timeout: 60_000 });
  expect(await page.locator('#batch-status').textContent()).toContain('100 of 100 rows finished');
  await page.screenshot({ path: path.join(SHOTS, 'batch.png'), fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download ZIP' }).click(),
  ]);
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const names = Object.keys(zip);
  expect(names).toContain('manifest.csv');
  expect(names.filter((n) => n.endsWith('.png'))).toHaveLength(100);

  // Keys: create (the secret shown once), then revoke.
  await page.goto(`${base}/console/keys`);
  await page.getByLabel('Name').fill('from the browser');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('#secret-value').textContent())!;
  expect(secret).toMatch(/^ck_live_/);
  await page.screenshot({ path: path.join(SHOTS, 'keys-created.png'), fullPage: true });
  expect((await stack.request('GET', '/v1/account', undefined, { authorization: `Bearer ${secret}` })).status).toBe(
    200,
  );
  await page.getByRole('button', { name: 'Revoke key from the browser' }).click();
  await page.getByText(/^Revoked/).waitFor();
  expect((await stack.request('GET', '/v1/account', undefined, { authorization: `Bearer ${secret}` })).status).toBe(
    401,
  );

  // Webhooks: an endpoint, a test event, then a replay of its delivery (a second attempt at the receiver).
  await page.goto(`${base}/console/webhooks`);
  await page.getByLabel('URL').fill(receiver.url);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.locator('#secret-value').waitFor();
  await page.getByRole('link', { name: receiver.url }).click();
  await page.getByRole('button', { name: 'Send test event' }).click();
  const queued = (await page.getByText(/Test event queued/).textContent())!;
  const deliveryId = /delivery (\S+)\./.exec(queued)![1]!;
  await eventually(async () => receiver.received.some((r) => JSON.parse(r.body).type === 'webhook.test'));
  await expect
    .poll(async () => (await page.reload(), await page.locator('.deliveries').textContent()))
    .toMatch(/succeeded ·\s+1 attempt\s/);
  await page.getByRole('button', { name: `Replay delivery ${deliveryId}` }).click();
  await page.getByText(/^Replaying/).waitFor();
  // The same message again (same webhook-id), a second attempt of that delivery.
  const tests = () => receiver.received.filter((r) => JSON.parse(r.body).type === 'webhook.test');
  await eventually(async () => tests().length === 2);
  expect(new Set(tests().map((r) => r.headers['webhook-id'])).size).toBe(1);
  await expect
    .poll(async () => (await page.reload(), await page.locator('.deliveries').textContent()))
    .toMatch(/2 attempts/);
  await page.screenshot({ path: path.join(SHOTS, 'webhook-endpoint.png'), fullPage: true });

  await page.goto(`${base}/console/usage`);
  await page.locator('svg rect.bar').first().waitFor({ state: 'attached' });
  await page.screenshot({ path: path.join(SHOTS, 'usage.png'), fullPage: true });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/console\/sign-in/);
  expect(external).toEqual([]);
  expect(errors).toEqual([]);
  // Contexts stay open until the browser closes: the packaged Chromium runs single-process and ends with its last one.
}, 180_000);

it('axe-core finds no serious or critical violation on any console page, and none scrolls sideways at 360 px', async () => {
  const batches = (await (await stack.request('GET', '/v1/batches')).json()) as any;
  const endpoints = (await (await stack.request('GET', '/v1/webhook-endpoints')).json()) as any;
  expect(batches.data.length).toBeGreaterThan(0);
  expect(endpoints.data.length).toBeGreaterThan(0);
  // A second page of the first test's browser context: the packaged Chromium runs single-process, where a
  // second context's subresource requests are not reliably sent with that context's cookies.
  const page = await shared.context.newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith(`blob:${base}/`) && !url.startsWith('data:')) external.push(url);
  });
  await page.setViewportSize({ width: 360, height: 800 });
  // axe comes from the npm package, as a same-origin script the console's CSP (script-src 'self') allows.
  await page.route(`${base}/console/assets/axe.js`, (route) =>
    route.fulfill({ path: AXE, contentType: 'text/javascript' }),
  );
  const pages = [
    'sign-in',
    'playground',
    'playground?symbology=ean13',
    'codes',
    'batches',
    `batches/${batches.data[0].id}`,
    'webhooks',
    `webhooks/${endpoints.data[0].id}`,
    'keys',
    'usage',
  ];
  const found: Record<string, string[]> = {};
  for (const [i, name] of pages.entries()) {
    if (i === 1) await signIn(page);
    if (i === 0) await page.context().clearCookies(); // the first test signed out; start from no session
    await page.goto(`${base}/console/${name}`);
    // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent'), name).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id'), name).toBe('main');
    if (name.startsWith('playground')) {
      await previewLoaded(page);
      await page.locator('#snippet-curl').waitFor();
    }
    await page.addScriptTag({ url: `${base}/console/assets/axe.js` });
    const violations = (await page.evaluate(
      "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))",
    )) as { id: string; impact: string; nodes: string[] }[];
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (serious.length > 0) found[name] = serious.map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    if (overflow > 1) (found[name] ??= []).push(`scrolls sideways by ${overflow} px at 360 px`);
    await page.screenshot({ path: path.join(SHOTS, `360-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
  }
  expect(found).toEqual({});
  expect(external).toEqual([]);
  // Contexts stay open until the browser closes: the packaged Chromium runs single-process and ends with its last one.
}, 180_000);
