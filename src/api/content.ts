import type { Context } from 'hono';
import { specOfStored } from '../domain/render-spec.ts';
import { accountContentKey, contentKey } from '../render/content-key.ts';
import { loadVerifier } from '../render/decoder.ts';
import { produceResult } from '../render/result.ts';
import { setResultKey } from '../store/codes.ts';
import type { Db } from '../store/db.ts';
import { findResultContent, insertResult } from '../store/results.ts';
import type { CodeRow } from '../store/schema.ts';
import { ApiProblem } from './problem.ts';

export type Content = { sha256: string; content_type: string; bytes: Buffer };

/**
 * The image of a succeeded code. When retention has deleted its result, the code is rendered again
 * from its stored parameters, verified when they ask for it (as the worker does), and stored under the
 * content key of today's renderers: the same key and bytes unless a renderer was upgraded since, and
 * then the code is pointed at the new result rather than filing new bytes under the old key.
 */
export async function loadContent(db: Db, row: CodeRow): Promise<Content> {
  const stored = await findResultContent(db, row.result_key);
  if (stored) return stored;
  const spec = specOfStored(row);
  const key = accountContentKey(row.account_id, contentKey(spec));
  const current = key === row.result_key ? undefined : await findResultContent(db, key);
  let content: Content | undefined = current;
  if (!content) {
    const produced = await produceResult(spec, key, loadVerifier);
    if (!produced.ok) throw new ApiProblem({ code: 'render_failed', detail: produced.message });
    await insertResult(db, produced.result);
    content = produced.result;
  }
  if (key !== row.result_key) await setResultKey(db, row.id, key);
  return content;
}

/** The image answer: ETag = content hash, 304 when the client has it; content-addressed, so cacheable. */
export function imageResponse(c: Context, content: Content, cacheControl: string): Response {
  const etag = `"${content.sha256}"`;
  const headers = {
    ETag: etag,
    'Cache-Control': cacheControl,
    'Content-Type': content.content_type,
    'X-Content-Type-Options': 'nosniff',
  };
  const tags = c.req.header('if-none-match')?.split(/\s*,\s*/);
  if (tags?.includes(etag) || tags?.includes('*')) return c.body(null, 304, headers);
  return c.body(new Uint8Array(content.bytes), 200, headers);
}
