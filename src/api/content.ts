import type { RenderSpec } from '../domain/render-spec.ts';
import { storedResult } from '../render/content-key.ts';
import { render } from '../render/index.ts';
import type { Db } from '../store/db.ts';
import { findResultContent, insertResult } from '../store/results.ts';
import type { CodeRow } from '../store/schema.ts';

export type Content = { sha256: string; content_type: string; bytes: Buffer };

/**
 * The image of a succeeded code. When retention has deleted its result, the code is rendered again
 * from its stored parameters (renders are deterministic, so the bytes and ETag are the same) and the
 * result stored again for the next request.
 */
export async function loadContent(db: Db, row: CodeRow): Promise<Content> {
  const stored = await findResultContent(db, row.result_key);
  if (stored) return stored;
  const spec = { symbology: row.symbology, data: row.data, format: row.format, options: row.options } as RenderSpec;
  const rendered = await render(spec);
  const result = storedResult(row.result_key, rendered);
  await insertResult(db, result);
  return result;
}
