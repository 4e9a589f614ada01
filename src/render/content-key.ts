import { createHash } from 'node:crypto';
import { canonicalSpecKey, type RenderSpec } from '../domain/render-spec.ts';
import { RENDERER_VERSIONS } from './index.ts';

const VERSIONS = JSON.stringify(Object.entries(RENDERER_VERSIONS).sort());
const VERSIONS_JSON = JSON.stringify(Object.fromEntries(Object.entries(RENDERER_VERSIONS).sort()));

/**
 * The content address of a render: sha256 of the normalized spec and the renderer versions, so
 * identical requests share one stored result and a renderer upgrade never serves stale bytes.
 */
export function contentKey(spec: RenderSpec): string {
  return createHash('sha256').update(canonicalSpecKey(spec)).update('\n').update(VERSIONS).digest('hex');
}

/**
 * The key a code's result is cached and stored under: the content key scoped to the account. Whether
 * another account rendered the same parameters must not show — not in a 202's status (answered at
 * once from the cache), not in headers, not in timing (the worker skips a cached render) — or anyone
 * could confirm a guessed Wi-Fi password, vCard or payment payload another account rendered.
 */
export function accountContentKey(accountId: string, key: string): string {
  return createHash('sha256').update(accountId).update('\n').update(key).digest('hex');
}

/** sha256 of delivered bytes: the ETag and `result.sha256`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The stored form of a render under its content key (what the results table holds). */
export function storedResult(
  key: string,
  rendered: { bytes: Buffer; contentType: string; width: number; height: number; print?: object | null },
  verification: object | null = null,
) {
  return {
    key,
    sha256: sha256Hex(rendered.bytes),
    content_type: rendered.contentType,
    bytes: rendered.bytes,
    width: rendered.width,
    height: rendered.height,
    verification: verification && JSON.stringify(verification),
    print: rendered.print ? JSON.stringify(rendered.print) : null,
    renderer: VERSIONS_JSON,
  };
}
