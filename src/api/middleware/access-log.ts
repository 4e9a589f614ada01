import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env.ts';

/** One request as the access log writes it. */
export type AccessLine = {
  method: string;
  /** The route pattern (`/v1/codes/:id`): never the raw path, which may carry a link token. */
  route: string;
  status: number;
  ms: number;
  requestId: string | undefined;
  accountId: string | null;
  /** Bytes sent for the response, headers included (nginx's $bytes_sent); in-process, the declared body length. */
  bytes: number | null;
  /** Request body bytes the client declared. */
  bytesIn: number | null;
};

const lengthOf = (header: string | null | undefined) => (header ? Number(header) : null);

/**
 * One line per request: what `grep <request id>` finds for a request that went well too. Behind the Node
 * server it is written when the response has been sent (an event stream's line when the stream ends), with
 * the bytes the socket sent for it; in-process (app.request) when the handler returns. Failures (status >= 400)
 * are always written; successes at the `sample` fraction (ACCESS_LOG_SAMPLE), which bounds the log's cost
 * on a busy intake.
 */
export function accessLog(options: {
  write: (line: AccessLine) => void;
  sample: number;
  /** @defaultValue Math.random */
  random?: () => number;
}): MiddlewareHandler<AppEnv> {
  const random = options.random ?? Math.random;
  return async function accessLog(c, next) {
    const start = performance.now();
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const socket = outgoing?.socket;
    const sentBefore = socket?.bytesWritten ?? 0;
    try {
      await next();
    } finally {
      const status = c.res.status;
      if (status >= 400 || options.sample >= 1 || random() < options.sample) {
        const matched = routePath(c, -1);
        const line = (bytes: number | null): AccessLine => ({
          method: c.req.method,
          route: status === 404 && matched.endsWith('*') ? 'unmatched' : matched,
          status,
          ms: Math.round((performance.now() - start) * 10) / 10,
          requestId: c.var.requestId,
          accountId: c.var.accountId ?? null,
          bytes,
          bytesIn: lengthOf(c.req.header('content-length')),
        });
        if (outgoing?.once && socket)
          outgoing.once('close', () => options.write(line(socket.bytesWritten - sentBefore)));
        else options.write(line(lengthOf(c.res.headers.get('content-length'))));
      }
    }
  };
}
