import { isTerminal } from '../domain/code.ts';
import { CODE_WEBHOOK_DEFAULT_EVENTS } from '../domain/events.ts';
import type { CodeWithResult } from '../store/codes.ts';

/** The public code object (the contract's shape). */
export type CodeObject = ReturnType<typeof toCodeObject>;

/** A timestamp as the API writes it (ISO 8601, UTC), null kept. */
export const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The one mapping from a stored code to its API object. */
export function toCodeObject(row: CodeWithResult, links: { events?: string } = {}) {
  const path = `/v1/codes/${row.id}`;
  return {
    id: row.id,
    object: 'code' as const,
    status: row.status,
    symbology: row.symbology,
    data: row.data,
    format: row.format,
    options: row.options,
    metadata: row.metadata,
    batch_id: row.batch_id,
    webhook_url: row.webhook_url ?? null,
    webhook_events: row.webhook_url ? (row.webhook_events ?? CODE_WEBHOOK_DEFAULT_EVENTS) : null,
    created_at: iso(row.created_at),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    result: row.result && {
      url: `${path}/content`,
      content_type: row.result.content_type,
      bytes: row.result.bytes,
      width: row.result.width,
      height: row.result.height,
      sha256: row.result.sha256,
      // Print sizing: physical size at the dpi used (null for a pixel image without a dpi).
      print: row.result.print ?? null,
      renderer_versions: row.result.renderer ?? null,
    },
    verification: verificationOf(row),
    error: row.error,
    links: { self: path, ...links },
  };
}

/** The decoder's read-back of the delivered bytes; null when the render was not verified. */
function verificationOf(row: CodeWithResult) {
  const v = row.result?.verification;
  if (!v) return null;
  return {
    verified: v.verified === true,
    decoder: String(v.decoder),
    decoded_text: (v.decoded_text as string | null) ?? null,
    symbology: (v.symbology as string | null) ?? null,
    checked_at: String(v.checked_at),
  };
}

/** Headers for a code response: poll again after `Retry-After` seconds while it is not terminal. */
export function codeHeaders(row: CodeWithResult, retryAfterSeconds: number): Record<string, string> {
  return isTerminal(row.status) ? {} : { 'Retry-After': String(retryAfterSeconds) };
}
