import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isTerminal, type CodeStatus } from '../../domain/code.ts';
import { isId } from '../../domain/ids.ts';
import { findCodeById, type CodeWithResult } from '../../store/codes.ts';
import { toCodeObject } from '../code-object.ts';
import { codeStatusHubOf } from '../code-status.ts';
import type { ApiDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { createShares } from '../../limits/shares.ts';
import { ApiProblem } from '../problem.ts';

/** One step of a code's life as an SSE event: ids are the step's ordinal, so Last-Event-ID resumes exactly. */
export type CodeEvent = { id: number; status: CodeStatus };

/** The steps a stored code has gone through: queued (1), processing (2), its terminal status (3). */
export function eventsOf(row: Pick<CodeWithResult, 'status' | 'started_at'>): CodeEvent[] {
  const events: CodeEvent[] = [{ id: 1, status: 'queued' }];
  if (row.started_at || row.status === 'processing') events.push({ id: 2, status: 'processing' });
  if (isTerminal(row.status)) events.push({ id: 3, status: row.status });
  return events;
}

/** The id a reconnecting client has seen (Last-Event-ID header, or `last_event_id` for clients that cannot set it). */
function lastEventId(header: string | undefined, query: string | undefined): number {
  const value = Number(header ?? query ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * GET /v1/codes/{id}/events: Server-Sent Events of a code's status changes. The stored state is
 * sent on connect (from Last-Event-ID on), then each change the workers publish wakes the stream,
 * which re-reads the row once; the stream ends after the terminal event.
 */
export function codeEventsRoutes(deps: ApiDeps) {
  const hub = codeStatusHubOf(deps);
  const { sseKeepAliveMs, sseMaxConnections, sseMaxPerAccount, retryAfterSeconds } = deps.config;
  // SSE_MAX_CONNECTIONS in all, SSE_MAX_PER_ACCOUNT to one account: one account cannot take them all.
  const streams = createShares({ max: sseMaxConnections, perAccount: sseMaxPerAccount });

  return new Hono<AppEnv>().get('/:id/events', async (c) => {
    const id = c.req.param('id');
    const accountId = c.var.accountId;
    const read = () => findCodeById(deps.db, accountId, id);
    if (!isId('code', id) || !(await read())) throw new ApiProblem({ code: 'not_found', detail: `No code ${id}` });
    if (hub().closing.aborted) {
      throw new ApiProblem({
        code: 'service_unavailable',
        detail: 'This server is shutting down; reconnect with Last-Event-ID.',
        headers: { 'Retry-After': '1' },
      });
    }
    const release = streams.take(accountId);
    if (!release) {
      const full = streams.held() >= sseMaxConnections;
      throw new ApiProblem({
        code: 'too_many_streams',
        detail: full
          ? `This server holds ${sseMaxConnections} event streams.`
          : `This account holds ${sseMaxPerAccount} event streams on this server (SSE_MAX_PER_ACCOUNT); close one first.`,
        headers: { 'Retry-After': String(retryAfterSeconds) },
      });
    }
    let sent = lastEventId(c.req.header('last-event-id'), c.req.query('last_event_id'));
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let changed = true;
      let wake = () => {};
      const statusHub = hub();
      const { closing } = statusHub;
      // The slot goes back however the stream ends, also if subscribing fails.
      const stop = await statusHub
        .watch(id, () => ((changed = true), wake()))
        .catch((error: unknown) => {
          release();
          throw error;
        });
      stream.onAbort(() => wake());
      // On shutdown the stream ends early; the client reconnects with Last-Event-ID to another process.
      const onClosing = () => wake();
      closing.addEventListener('abort', onClosing);
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => wake()), sseKeepAliveMs);
      try {
        while (!stream.aborted && !closing.aborted) {
          if (!changed) await new Promise<void>((resolve) => (wake = resolve));
          changed = false;
          const row = await read();
          if (!row) break;
          for (const event of eventsOf(row)) {
            if (event.id <= sent) continue;
            const code = isTerminal(event.status) ? toCodeObject(row) : undefined;
            await stream.writeSSE({
              id: String(event.id),
              event: event.status,
              data: JSON.stringify({ code_id: id, status: event.status, ...(code ? { code } : {}) }),
            });
            sent = event.id;
          }
          if (isTerminal(row.status)) break;
        }
      } finally {
        clearInterval(keepAlive);
        closing.removeEventListener('abort', onClosing);
        stop();
        release();
      }
    });
  });
}
