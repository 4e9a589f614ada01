import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.ts';
import { buildOpenApiDocument } from '../openapi/document.ts';

const ASSETS = join(import.meta.dirname, '..', 'openapi');
const asset = (name: string) => readFileSync(join(ASSETS, name), 'utf8');
// The package's exports do not name its browser build: found beside its main entry (dist/index.js).
const SCALAR_BUNDLE = join(
  fileURLToPath(new URL('.', import.meta.resolve('@scalar/api-reference'))),
  'browser',
  'standalone.js',
);

/**
 * Scripts from this origin only (the bundle and the served config, no inline script), requests to this origin
 * only (try-it included). Inline styles stay allowed: the renderer sets style attributes and injects its own
 * stylesheet at run time, and styles cannot run code.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** /openapi.json and /docs: the contract, and its Scalar reference with assets served from here (no CDN). */
export function docsRoutes(deps: ApiDeps) {
  const document = JSON.stringify(buildOpenApiDocument(deps.config));
  const page = { html: asset('docs.html'), js: asset('docs.js'), scalar: readFileSync(SCALAR_BUNDLE, 'utf8') };
  const cache = { 'Cache-Control': 'public, max-age=300' };
  const script = { 'Content-Type': 'text/javascript; charset=utf-8', ...cache };
  return new Hono()
    .get('/openapi.json', (c) => c.body(document, 200, { 'Content-Type': 'application/json', ...cache }))
    .get('/docs', (c) => c.html(page.html, 200, { ...cache, 'Content-Security-Policy': DOCS_CSP }))
    .get('/docs/docs.js', (c) => c.body(page.js, 200, script))
    .get('/docs/scalar.js', (c) => c.body(page.scalar, 200, script));
}
