import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

/**
 * Refuses bodies over `maxBytes` with a 413. A declared Content-Length is checked without touching
 * the body (Node's parser already stops a body at its declared length); only chunked bodies go
 * through Hono's streaming limiter, whose re-wrapped Request costs ~10% of an intake request.
 */
export function bodyLimit(options: {
  maxBytes: number;
  skip?: (path: string, method: string) => boolean;
}): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiProblem({ code: 'payload_too_large', detail: `The body is over ${options.maxBytes} bytes` });
  const streaming = streamingBodyLimit({
    maxSize: options.maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async function bodyLimit(c, next) {
    if (options.skip?.(c.req.path, c.req.method)) return next();
    const length = c.req.header('content-length');
    if (length === undefined) return streaming(c, next);
    if (!/^\d+$/.test(length) || Number(length) > options.maxBytes) throw tooLarge();
    await next();
  };
}
