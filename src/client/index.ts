import type * as v from 'valibot';
import type { CodeObject } from '../api/code-object.ts';
import type { codeRequestSchema } from '../domain/requests.ts';
import type { toBatchObject } from '../api/routes/batches.ts';
import { isTerminal } from '../domain/code.ts';
import { readSse } from './sse.ts';

type BodyInit = NonNullable<RequestInit['body']>;

/** A POST /v1/codes body: the input type of the schema the OpenAPI document is generated from. */
export type CodeRequest = v.InferInput<ReturnType<typeof codeRequestSchema>>;
export type Code = CodeObject;
export type Batch = ReturnType<typeof toBatchObject>;
export type CodeEvent = { id: string; status: Code['status']; code?: Code };
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
};

/** A problem+json answer (or an unexpected status), thrown by every client method. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  constructor(status: number, problem: Problem | undefined) {
    super(problem ? `${problem.status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export type ClientOptions = {
  /** @defaultValue http://127.0.0.1:3000 */
  baseUrl?: string;
  apiKey?: string;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
};

/** A typed client for the v1 API. */
export function createClient(options: ClientOptions = {}) {
  const base = (options.baseUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;

  async function call(
    method: string,
    path: string,
    init: { body?: BodyInit; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const res = await doFetch(`${base}${path}`, {
      method,
      headers,
      body: init.body,
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (res.status >= 400) {
      const problem = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as Problem) : undefined;
      throw new ApiError(res.status, problem);
    }
    return res;
  }
  const json = async <T>(res: Promise<Response>) => (await (await res).json()) as T;

  return {
    /** POST /v1/codes; `wait` sends `Prefer: wait=N` (the code may come back finished). */
    submitCode: (body: CodeRequest, opts: { wait?: number; idempotencyKey?: string } = {}) =>
      json<Code>(
        call('POST', '/v1/codes', {
          body: JSON.stringify(body),
          headers: {
            'content-type': 'application/json',
            ...(opts.wait !== undefined ? { prefer: `wait=${opts.wait}` } : {}),
            ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
          },
        }),
      ),
    getCode: (id: string) => json<Code>(call('GET', `/v1/codes/${id}`)),
    cancelCode: (id: string) => json<Code>(call('POST', `/v1/codes/${id}/cancel`)),
    /** The rendered bytes of a succeeded code. */
    content: async (id: string) => new Uint8Array(await (await call('GET', `/v1/codes/${id}/content`)).arrayBuffer()),
    /** The code's status events until its terminal state (resumes after `lastEventId`). */
    async *events(id: string, opts: { lastEventId?: string } = {}): AsyncGenerator<CodeEvent> {
      const res = await call('GET', `/v1/codes/${id}/events`, {
        headers: opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {},
      });
      for await (const message of readSse(res.body!)) {
        if (message.kind !== 'event') continue;
        const data = JSON.parse(message.data) as { status: Code['status']; code?: Code };
        yield { id: message.id ?? '', status: data.status, code: data.code };
      }
    },
    /**
     * Waits for a terminal state over SSE and returns the finished code. A stream the server ends
     * early (an API process shutting down) is resumed from its last event id, as EventSource would.
     */
    async finished(id: string, opts: { reconnectMs?: number } = {}): Promise<Code> {
      let lastEventId: string | undefined;
      for (;;) {
        try {
          for await (const event of this.events(id, lastEventId ? { lastEventId } : {})) {
            if (event.code) return event.code;
            lastEventId = event.id;
          }
        } catch (error) {
          // 503: the process that answered is draining; the next connection goes to another one.
          if (!(error instanceof ApiError && error.status === 503)) throw error;
        }
        const code = await this.getCode(id);
        if (isTerminal(code.status)) return code;
        await new Promise((r) => setTimeout(r, opts.reconnectMs ?? 500));
      }
    },
    /** POST /v1/batches with a CSV or JSON Lines body (a stream is sent as it is read). */
    uploadBatch: (
      body: BodyInit,
      opts: { contentType?: 'text/csv' | 'application/x-ndjson'; defaults?: Record<string, string> } = {},
    ) =>
      json<Batch>(
        call('POST', `/v1/batches${opts.defaults ? `?${new URLSearchParams(opts.defaults)}` : ''}`, {
          body,
          headers: { 'content-type': opts.contentType ?? 'text/csv' },
        }),
      ),
    getBatch: (id: string) => json<Batch>(call('GET', `/v1/batches/${id}`)),
    /** The results ZIP as a response whose body streams. */
    resultsZip: (id: string) => call('GET', `/v1/batches/${id}/results.zip`),
    symbologies: () => json<{ data: unknown[] }>(call('GET', '/v1/symbologies')),
  };
}

export type Client = ReturnType<typeof createClient>;
