import { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiProblem } from '../problem.ts';

/**
 * The body as it arrives, failed with `timedOut()` when no piece comes for `idleMs` or the whole has
 * not come by `totalMs` after the first read. The source is not cancelled: cancelling the node
 * adapter's stream destroys the socket, and the 408 could not be written.
 */
export function timedBody(
  source: ReadableStream<Uint8Array>,
  options: { idleMs: number; totalMs: number; timedOut: (reason: 'idle' | 'total') => Error },
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let deadline: number | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      deadline ??= Date.now() + options.totalMs;
      const left = deadline - Date.now();
      const reason = left < options.idleMs ? 'total' : 'idle';
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(options.timedOut(reason)), Math.max(0, Math.min(left, options.idleMs)));
      });
      try {
        const { done, value } = await Promise.race([reader.read(), expired]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Whether the request's body has already arrived in full: then it cannot stall, and the request is left as the
 * node adapter made it, whose readers take the buffered bytes directly instead of through the web Request and
 * stream that re-wrapping it builds. Most small bodies arrive in the packet of their headers, but Node parses
 * that packet's body only after announcing the request: one turn of the event loop's check phase lets it.
 */
async function receivedInFull(bindings: Partial<HttpBindings> | undefined): Promise<boolean> {
  const incoming = bindings?.incoming;
  if (!(incoming instanceof IncomingMessage)) return false;
  // Only a declared length can have come whole; a chunked upload streams, and the wrap times it.
  if (!incoming.complete && incoming.headers['content-length'] !== undefined) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return incoming.complete;
}

/**
 * Cuts off a request whose body stalls (BODY_IDLE_TIMEOUT_MS between pieces) or drags on
 * (BODY_TIMEOUT_MS in all) with a 408 problem, whichever reader meets it (JSON, batch upload,
 * idempotency hash): a slow client holds a socket, never a database connection or a worker.
 */
export function bodyTimeout(options: { idleMs: number; totalMs: number }): MiddlewareHandler<AppEnv> {
  const timedOut = (reason: 'idle' | 'total') =>
    new ApiProblem({
      code: 'request_timeout',
      detail:
        reason === 'idle'
          ? `No body bytes arrived for ${options.idleMs} ms.`
          : `The body did not arrive in full within ${options.totalMs} ms.`,
      // The client may still be sending: this connection is not reused.
      headers: { Connection: 'close' },
    });
  return async function bodyTimeout(c, next) {
    if (await receivedInFull(c.env as Partial<HttpBindings> | undefined)) return next();
    const body = c.req.raw.body;
    if (body) {
      const raw = c.req.raw;
      c.req.raw = new Request(raw, {
        body: timedBody(body, { ...options, timedOut }),
        duplex: 'half',
      } as RequestInit);
    }
    await next();
  };
}
