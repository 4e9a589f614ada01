import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../../store/db.ts';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../store/idempotency.ts';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
// Only what a replay must reproduce; rate-limit headers describe the moment of the retry instead.
const REPLAYED_HEADERS = ['content-type', 'location'];

/**
 * Idempotency-Key for POSTs, per account, kept `ttlHours`: the same key and body replay the first
 * response (with Idempotent-Replayed: true); the same key with another body is a 422; a retry while
 * the first is still running is a 409. A first request that failed on our side (5xx) is forgotten
 * so that its retry runs again.
 */
export function idempotency(options: {
  db: Db;
  ttlHours: number;
  /**
   * Hash the body to tell a retry from a different request. Off for streamed uploads (batches),
   * which must not be read twice: their fingerprint is the query, type and length instead.
   * @defaultValue true
   */
  hashBody?: boolean;
}): MiddlewareHandler<AppEnv> {
  return async function idempotency(c, next) {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key)) {
      throw new ApiProblem({
        code: 'validation_failed',
        detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
        errors: [{ path: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' }],
      });
    }
    const accountId = c.var.accountId;
    const fingerprint =
      options.hashBody === false
        ? `${new URL(c.req.url).search}\n${c.req.header('content-type') ?? ''}\n${c.req.header('content-length') ?? ''}`
        : new Uint8Array(await c.req.arrayBuffer()); // bytes: the body reader then sees them as sent
    const requestHash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(fingerprint)
      .digest('hex');
    const existing = await claimIdempotencyKey(options.db, { accountId, key, requestHash, ttlHours: options.ttlHours });
    if (existing) {
      if (existing.request_hash !== requestHash) {
        throw new ApiProblem({
          code: 'idempotency_key_reused',
          detail: `Idempotency-Key ${key} was first used with a different request.`,
        });
      }
      if (existing.status === null || existing.response_body === null) {
        throw new ApiProblem({
          code: 'idempotency_in_flight',
          detail: `The first request with Idempotency-Key ${key} is still running.`,
          headers: { 'Retry-After': '1' },
        });
      }
      return c.body(existing.response_body, existing.status as 200, {
        ...existing.response_headers,
        'Idempotent-Replayed': 'true',
      });
    }
    await next();
    const response = c.res;
    if (response.status >= 500) {
      await releaseIdempotencyKey(options.db, accountId, key);
      return;
    }
    const headers = Object.fromEntries(
      REPLAYED_HEADERS.flatMap((name) => {
        const value = response.headers.get(name);
        return value === null ? [] : [[name, value]];
      }),
    );
    await completeIdempotencyKey(options.db, accountId, key, {
      status: response.status,
      headers,
      body: await response.clone().text(),
    });
  };
}
