import type { Server } from 'node:http';
import SwaggerParser from '@apidevtools/swagger-parser';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { parseSubmission } from '../../src/api/routes/codes.ts';
import { inlinePreflight } from '../../src/render/submission.ts';
import { WebhookEventsSchema, WebhookUrlSchema } from '../../src/domain/requests.ts';
import { DEFAULT_POLICY } from '../../src/domain/render-spec.ts';
import { launchBrowser } from '../support/browser.ts';
import { freePort, startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
let doc: any;
beforeAll(async () => {
  stack = await startStack({
    env: {
      ADMIN_USER: 'admin',
      ADMIN_PASSWORD: 'secret-password',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
    },
  });
  doc = await (await stack.request('GET', '/openapi.json', undefined, { authorization: '' })).json();
});
afterAll(() => stack.close());

// Static assets of the docs page, the operator UIs (admin credentials, not API keys) and the users' console pages are not API routes.
const NOT_API = [/^\/docs\/(docs|scalar)\.js$/, /^\/admin\//, /^\/metrics$/, /^\/console(\/|$)/, /^\/$/];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
  });

  it('documents every route the app serves', () => {
    const served = stack.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({
        method: r.method.toLowerCase(),
        path: r.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/',
      }))
      .filter((r) => !NOT_API.some((pattern) => pattern.test(r.path)));
    expect(served.length).toBeGreaterThan(15);
    const missing = served
      .filter((r) => !doc.paths[r.path]?.[r.method])
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
    // and nothing documented that is not served
    const servedKeys = new Set(served.map((r) => `${r.method} ${r.path}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method} ${path}`),
    );
    expect(documented.filter((key) => !servedKeys.has(key))).toEqual([]);
  });

  it('documents the contract headers and problem responses', () => {
    const post = doc.paths['/v1/codes'].post;
    // Request headers are components.parameters, referenced by each operation.
    const names = (parameters: any[]) => parameters.map((p) => (p.$ref ? resolveRef(p.$ref) : p).name);
    expect(names(post.parameters)).toEqual(expect.arrayContaining(['Idempotency-Key', 'Prefer']));
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '202', '401', '422', '429', '503']));
    expect(post.responses['429'].headers).toHaveProperty('Retry-After');
    expect(post.responses['202'].headers).toHaveProperty('RateLimit');
    expect(names(doc.paths['/v1/codes/{id}/events'].get.parameters)).toEqual(
      expect.arrayContaining(['Last-Event-ID', 'token']),
    );
  });

  it('every request example passes the real validator and is accepted by the API', async () => {
    const examples = Object.values(doc.paths['/v1/codes'].post.requestBody.content['application/json'].examples) as {
      value: Record<string, unknown>;
    }[];
    expect(examples.length).toBeGreaterThan(1);
    for (const { value } of examples) {
      await expect(
        parseSubmission(value, { config: stack.config } as never, DEFAULT_POLICY, inlinePreflight),
      ).resolves.toBeDefined();
      const res = await stack.request('POST', '/v1/codes', value);
      expect(res.status, JSON.stringify(value)).toBe(202);
    }
    for (const { value } of Object.values(
      doc.paths['/v1/render-urls'].post.requestBody.content['application/json'].examples,
    ) as { value: object }[]) {
      expect((await stack.request('POST', '/v1/render-urls', value)).status).toBe(201);
    }
    const batch = doc.paths['/v1/batches'].post.requestBody.content['text/csv'].examples;
    for (const { value } of Object.values(batch) as { value: string }[]) {
      const res = await stack.request('POST', '/v1/batches?validate_only=true', value, { 'content-type': 'text/csv' });
      expect(res.status).toBe(200);
    }
    // The endpoint example names a public host this offline machine cannot resolve: its shape is what is checked.
    for (const { value } of Object.values(
      doc.paths['/v1/webhook-endpoints'].post.requestBody.content['application/json'].examples,
    ) as { value: { url: string; events: string[] } }[]) {
      expect(v.safeParse(WebhookUrlSchema, value.url).success).toBe(true);
      expect(v.safeParse(WebhookEventsSchema, value.events).success).toBe(true);
    }
    for (const { value } of Object.values(
      doc.paths['/v1/webhook-endpoints/{id}'].patch.requestBody.content['application/json'].examples,
    ) as { value: { url?: string; events?: string[]; enabled?: boolean } }[]) {
      if (value.url !== undefined) expect(v.safeParse(WebhookUrlSchema, value.url).success).toBe(true);
      if (value.events !== undefined) expect(v.safeParse(WebhookEventsSchema, value.events).success).toBe(true);
      if (value.enabled !== undefined) expect(typeof value.enabled).toBe('boolean');
    }
  });
});

/** A local $ref of the live document. */
const resolveRef = (ref: string): any =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((o: any, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);

describe('/docs', () => {
  it('sends a strict CSP: scripts from this origin only, no inline script, requests to this origin only', async () => {
    const res = await stack.request('GET', '/docs', undefined, { authorization: '' });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|\*|https?:)/);
    expect(await res.text()).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
  });

  it('Scalar in headless Chromium shows every operation of the live document, and try-it reaches the server', async () => {
    const port = await freePort();
    const server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
    const browser = await launchBrowser();
    const blocked: string[] = [];
    const violations: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      page.on('pageerror', (e) => violations.push(e.message));
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
        blocked.push(url.href);
        return route.abort();
      });
      await page.goto(`http://127.0.0.1:${port}/docs`);
      // Every operation (and every webhook) has its sidebar entry, labelled with its summary.
      const expected: { id: string; label: string }[] = [];
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>))
        for (const [method, op] of Object.entries(item)) {
          if (!METHODS.includes(method)) continue;
          for (const tag of op.tags ?? ['default'])
            expected.push({ id: `api-1/tag/${tag}/${method.toUpperCase()}${path}`, label: op.summary ?? path });
        }
      for (const [name, item] of Object.entries((doc.webhooks ?? {}) as Record<string, Record<string, any>>))
        for (const [method, op] of Object.entries(item))
          expected.push({ id: `api-1/webhook/${method.toUpperCase()}/${name}`, label: op.summary ?? name });
      expect(expected.length).toBeGreaterThan(25);
      const sidebar = `[data-sidebar-id="${expected[0]!.id}"]`;
      await page.waitForSelector(sidebar);
      const labels = await page.$$eval('[data-sidebar-id]', (nodes) =>
        Object.fromEntries(nodes.map((n) => [n.getAttribute('data-sidebar-id'), n.textContent ?? ''])),
      );
      const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
      for (const { id, label } of expected) expect(squash(labels[id] ?? `(no entry ${id})`)).toContain(squash(label));

      // Try-it: the bearer key typed into the page's Authentication box, POST /v1/codes with the document's
      // first example, sent from the page to this server; its 2xx answer is shown and the code exists.
      await page.getByPlaceholder('Token').first().fill(stack.key.key);
      const submit = 'api-1/tag/codes/POST/v1/codes';
      await page.click(`[data-sidebar-id="${submit}"]`);
      // Its section shows the request body's fields and every documented answer.
      const section = page.locator(`section[id="${submit}"]`);
      const operation = doc.paths['/v1/codes'].post;
      const deref = (s: any): any => (s?.$ref ? deref(resolveRef(s.$ref)) : s);
      const body = deref(operation.requestBody.content['application/json'].schema);
      const fields = Object.keys(deref(body.oneOf?.[0] ?? body.anyOf?.[0] ?? body).properties ?? body.properties);
      expect(fields.length).toBeGreaterThan(5);
      await section.getByText('Responses').first().waitFor();
      const text = (await section.textContent()) ?? '';
      for (const field of fields) expect(text).toContain(field);
      for (const status of Object.keys(operation.responses)) expect(text).toContain(status);
      await section
        .getByRole('button', { name: /Test Request/i })
        .first()
        .click();
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/codes'));
      await page.getByRole('button', { name: /^Send/ }).first().click();
      const response = await answer;
      expect(response.status()).toBeGreaterThanOrEqual(200);
      expect(response.status()).toBeLessThan(300);
      expect(response.request().headers().authorization).toBe(`Bearer ${stack.key.key}`);
      const created = (await response.json()) as { id: string };
      await page
        .getByText(new RegExp(`^\\s*${response.status()} ${response.statusText()}`))
        .first()
        .waitFor();
      expect((await stack.request('GET', `/v1/codes/${created.id}`)).status).toBe(200);
      expect(blocked).toEqual([]);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
