import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.ts';
import { buildOpenApiDocument } from '../openapi/document.ts';

const ASSETS = join(import.meta.dirname, '..', 'openapi');
const asset = (name: string) => readFileSync(join(ASSETS, name), 'utf8');

/** /openapi.json and /docs: the contract, and a reference page whose assets are served from here (no CDN). */
export function docsRoutes(deps: ApiDeps) {
  const document = JSON.stringify(buildOpenApiDocument(deps.config));
  const page = { html: asset('docs.html'), js: asset('docs.js'), css: asset('docs.css') };
  const cache = { 'Cache-Control': 'public, max-age=300' };
  return new Hono()
    .get('/openapi.json', (c) => c.body(document, 200, { 'Content-Type': 'application/json', ...cache }))
    .get('/docs', (c) => c.html(page.html, 200, { ...cache, 'Content-Security-Policy': "default-src 'self'" }))
    .get('/docs/docs.js', (c) => c.body(page.js, 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...cache }))
    .get('/docs/docs.css', (c) => c.body(page.css, 200, { 'Content-Type': 'text/css; charset=utf-8', ...cache }));
}
