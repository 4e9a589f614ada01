// The typed client as an integrator gets it: `codegen-platform/client` through the package's exports, from a
// folder outside this repository, its types openapi-typescript's output for the live /openapi.json, one method
// per operation of that document.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient } from '../../src/client/index.ts';
import { CLIENT_TYPES_FILE, clientTypes } from '../support/client-types.ts';
import { eventually, freePort, ROOT, startStack, type TestStack } from '../support/harness.ts';

const run = promisify(execFile);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let stack: TestStack;
let doc: any;
let base: string;
let server: Server;
beforeAll(async () => {
  stack = await startStack({ env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8' } });
  const port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
  base = `http://127.0.0.1:${port}`;
  doc = await (await fetch(`${base}/openapi.json`)).json();
});
afterAll(async () => {
  server?.close();
  await stack?.close();
});

/** The ```ts blocks of a Markdown file that import the client through the package name. */
function clientSnippets(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1]!)
    .filter((code) => code.includes(`from 'codegen-platform/client'`));
}

describe('codegen-platform/client', () => {
  it('imports nothing of the server: only files beside it, node: builtins and its own npm dependencies', () => {
    const dir = path.join(ROOT, 'src', 'client');
    const deps = Object.keys(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies);
    // The module graph of the package export (the user CLI beside it is an app of this repository, not the export).
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(path.join(dir, file), 'utf8').matchAll(/(?:from|import)\s*\(?'([^']+)'/g)) {
        if (spec!.startsWith('.')) {
          expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w.-]+\.ts$/);
          visit(spec!.slice(2));
        } else if (!spec!.startsWith('node:')) expect(deps, `${file} imports ${spec}`).toContain(spec!.split('/')[0]);
      }
    };
    visit('index.ts');
    expect([...seen].sort()).toEqual(['index.ts', 'schema.ts', 'sse.ts']);
  });

  it("src/client/schema.ts is openapi-typescript's output for the live /openapi.json", async () => {
    const expected = await clientTypes(doc);
    // Not toBe: a diff of 4,000 lines helps nobody; the fix is one command.
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8') === expected, 'stale: run `npm run client:types`').toBe(true);
  });

  it("runs the README's snippet from a folder outside the repository, through the package's exports", async () => {
    const snippets = clientSnippets('README.md');
    expect(snippets).toHaveLength(1);
    // What `npm install ../codegen-platform` makes: node_modules/codegen-platform, a link to the package.
    const dir = mkdtempSync(path.join(tmpdir(), 'codes-client-'));
    try {
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(ROOT, path.join(dir, 'node_modules', 'codegen-platform'), 'dir');
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
      writeFileSync(path.join(dir, 'snippet.ts'), snippets[0]!);
      const { stdout } = await run(process.execPath, ['snippet.ts'], {
        cwd: dir,
        env: { ...process.env, CODES_URL: base, CODES_API_KEY: stack.key.key },
      });
      const [id, status, bytes] = stdout.trim().split(' ');
      expect(status).toBe('succeeded');
      expect(Number(bytes)).toBeGreaterThan(100);
      const code = (await (await stack.request('GET', `/v1/codes/${id}`)).json()) as { format: string };
      expect(code.format).toBe('svg');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a method for every operation of the live document, each reaching that operation', async () => {
    // Pages for a browser (every 2xx answer text/html: /docs, /problems/…) are not API calls.
    const isPage = (op: any) =>
      Object.entries(op.responses as Record<string, any>)
        .filter(([status]) => status.startsWith('2'))
        .every(([, r]) => Object.keys(r.content ?? {}).join() === 'text/html');
    const templates: { op: string; pattern: RegExp }[] = [];
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>))
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m) && !isPage(item[m])))
        templates.push({
          op: `${method.toUpperCase()} ${p}`,
          pattern: new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        });
    const reached = new Map<string, number>();
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(String(input));
      const match = templates.find((t) => t.pattern.test(url.pathname));
      if (match) reached.set(`${init?.method ?? 'GET'} ${match.op.split(' ')[1]}`, res.status);
      return res;
    };
    const client = createClient({ baseUrl: base, apiKey: stack.key.key, fetch: recording });
    // A state conflict (cancelling a finished code) still shows the route exists and was reached.
    const conflict = (call: Promise<unknown>) =>
      call.catch((e) => {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      });

    await client.health();
    await client.ready();
    await client.openapi();
    await client.symbologies();
    const code = await client.submitCode({ data: 'every operation' }, { wait: 10 });
    await client.finished(code.id);
    await client.getCode(code.id);
    await client.listCodes({ status: 'succeeded' });
    expect((await client.content(code.id)).byteLength).toBeGreaterThan(0);
    for await (const event of client.events(code.id)) expect(event.status).toBeTruthy();
    await conflict(client.cancelCode(code.id));

    const batch = await client.uploadBatch('data\nrow one\nrow two\n', { contentType: 'text/csv' });
    await eventually(async () => (await client.getBatch(batch.id)).status === 'completed');
    await client.listBatches();
    const zip = await client.resultsZip(batch.id);
    expect(zip.status).toBe(200);
    await zip.arrayBuffer();
    await conflict(client.retryBatch(batch.id));
    await conflict(client.cancelBatch(batch.id));

    expect((await client.render({ data: 'render me', format: 'svg' })).byteLength).toBeGreaterThan(0);
    const signed = await client.createRenderUrl({ data: 'signed', format: 'svg' });
    expect((await client.renderSigned(signed.url)).byteLength).toBeGreaterThan(0);

    await client.eventTypes();
    const endpoint = await client.createWebhookEndpoint({ url: 'http://127.0.0.1:9/hook', events: ['code.succeeded'] });
    await client.listWebhookEndpoints();
    await client.getWebhookEndpoint(endpoint.id);
    await client.updateWebhookEndpoint(endpoint.id, { enabled: true });
    await client.testWebhookEndpoint(endpoint.id);
    const deliveries = await eventually(async () => {
      const page = await client.endpointDeliveries(endpoint.id);
      return page.data.length > 0 && page;
    });
    await client.getWebhookDelivery(deliveries.data[0]!.id);
    await conflict(client.retryWebhookDelivery(deliveries.data[0]!.id));
    const events = await eventually(async () => {
      const page = await client.listEvents();
      return page.data.length > 0 && page;
    });
    await client.eventDeliveries(events.data[0]!.id);
    await client.deleteWebhookEndpoint(endpoint.id);
    await client.rotateWebhookSecret();

    await client.account();
    await client.listKeys();
    const key = await client.createKey({ name: 'second' });
    const rolled = await client.rollKey(key.id);
    await client.revokeKey(rolled.id);
    await client.usage();

    expect(templates.length).toBeGreaterThan(35);
    const missing = templates.map((t) => t.op).filter((op) => !reached.has(op));
    expect(missing).toEqual([]);
    const failed = [...reached].filter(([, status]) => status >= 400 && status !== 409);
    expect(failed).toEqual([]);
  });
});
