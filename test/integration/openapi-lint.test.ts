import type { Server } from 'node:http';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Document, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startStack, type TestStack } from '../support/harness.ts';

// The live document, as served, linted by the two common OpenAPI linters with their default rulesets.
let stack: TestStack;
let source: string;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  const response = await stack.request('GET', '/openapi.json', undefined, { authorization: '' });
  expect(response.status).toBe(200);
  source = await response.text();
});
afterAll(() => stack.close());

describe('/openapi.json lint', () => {
  it("has no error or warning under Redocly's recommended ruleset", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    const reported = problems
      .filter((p) => p.severity === 'error' || p.severity === 'warn')
      .map((p) => `${p.severity} ${p.ruleId} ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`);
    expect(reported).toEqual([]);
  });

  it("has no error or warning under Spectral's spectral:oas ruleset", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(source, Json, 'openapi.json'));
    // Spectral's severities: 0 error, 1 warn, 2 info, 3 hint.
    const reported = results
      .filter((r) => r.severity <= 1)
      .map((r) => `${r.severity === 0 ? 'error' : 'warn'} ${String(r.code)} ${pointer(r.path)}: ${r.message}`);
    expect(reported).toEqual([]);
  });

  // The public routes answer no problem of their own: their documented 4XX is the HTTP server's.
  it("the 4XX documented on the public routes is the HTTP server's: 400 malformed, 431 headers too large", async () => {
    const doc = JSON.parse(source) as { paths: Record<string, Record<string, { responses: object }>> };
    expect(Object.keys(doc.paths['/healthz']!.get!.responses)).toContain('4XX');
    const port = await freePort();
    const server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
    try {
      const statusOf = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
          let answer = '';
          socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
          // The server may reset the connection after answering, while the rest of the request is still sent.
          socket.on('error', (error) => (answer ? undefined : reject(error)));
          socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
        });
      expect(await statusOf('GET /healthz HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
      expect(await statusOf(big)).toMatch(/^HTTP\/1\.1 431 /);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** A Spectral result path as a JSON pointer. */
const pointer = (path: (string | number)[]) =>
  `#/${path.map((key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
