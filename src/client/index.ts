// The typed client for the v1 API. Usable outside this repository (`import { createClient } from
// 'codegen-platform/client'`): it imports nothing of the server; every request and answer type is taken from
// ./schema.ts, openapi-typescript's output for the published /openapi.json (`npm run client:types`).
import type { components, paths } from './schema.ts';
import { readSse } from './sse.ts';

export type { components, paths } from './schema.ts';

type BodyInit = NonNullable<RequestInit['body']>;
type Method = 'get' | 'post' | 'patch' | 'delete';
type Path = keyof paths;
type Operation<P extends Path, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of an operation's 2xx answers. */
export type Answer<P extends Path, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? { [S in keyof R]: S extends 200 | 201 | 202 ? JsonOf<R[S]> : never }[keyof R]
    : never;
/** An operation's JSON request body. */
export type RequestBody<P extends Path, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;
/** An operation's query parameters. */
export type Query<P extends Path, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** A POST /v1/codes body. */
export type CodeRequest = RequestBody<'/v1/codes', 'post'>;
export type Code = components['schemas']['Code'];
export type Batch = components['schemas']['Batch'];
export type Problem = components['schemas']['Problem'];
export type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type Event = components['schemas']['Event'];
export type CodeEvent = { id: string; status: Code['status']; code?: Code };

const TERMINAL: readonly string[] = ['succeeded', 'failed', 'canceled'];

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

type CallInit = {
  query?: object;
  body?: BodyInit;
  json?: unknown;
  headers?: Record<string, string | undefined>;
  auth?: boolean;
};

/** Query parameters as the API reads them: scalars as text, `metadata` objects as metadata[key]=value. */
function queryString(query: object | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object')
      for (const [key, item] of Object.entries(value as Record<string, unknown>))
        search.append(`${name}[${key}]`, String(item));
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A typed client for the v1 API: one method per operation of /openapi.json. */
export function createClient(options: ClientOptions = {}) {
  const base = (options.baseUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;
  const id = (value: string) => encodeURIComponent(value);

  async function call(method: string, path: string, init: CallInit = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) if (value !== undefined) headers[name] = value;
    if (options.apiKey && init.auth !== false) headers.authorization = `Bearer ${options.apiKey}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const res = await doFetch(`${base}${path}${queryString(init.query)}`, {
      method,
      headers,
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (res.status >= 400) {
      const problem = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as Problem) : undefined;
      throw new ApiError(res.status, problem);
    }
    return res;
  }
  const json = async <T>(res: Promise<Response>) => (await (await res).json()) as T;
  const bytes = async (res: Promise<Response>) => new Uint8Array(await (await res).arrayBuffer());

  return {
    // ── codes
    /** POST /v1/codes; `wait` sends `Prefer: wait=N` (the code may come back finished). */
    submitCode: (body: CodeRequest, opts: { wait?: number; idempotencyKey?: string } = {}) =>
      json<Code>(
        call('POST', '/v1/codes', {
          json: body,
          headers: {
            prefer: opts.wait !== undefined ? `wait=${opts.wait}` : undefined,
            'idempotency-key': opts.idempotencyKey,
          },
        }),
      ),
    /** GET /v1/codes: a page of the account's codes, newest first. */
    listCodes: (query?: Query<'/v1/codes', 'get'>) =>
      json<Answer<'/v1/codes', 'get'>>(call('GET', '/v1/codes', { query })),
    getCode: (codeId: string) => json<Code>(call('GET', `/v1/codes/${id(codeId)}`)),
    cancelCode: (codeId: string) => json<Code>(call('POST', `/v1/codes/${id(codeId)}/cancel`)),
    /** The rendered bytes of a succeeded code. */
    content: (codeId: string) => bytes(call('GET', `/v1/codes/${id(codeId)}/content`)),
    /** The code's status events until its terminal state (resumes after `lastEventId`). */
    async *events(codeId: string, opts: { lastEventId?: string } = {}): AsyncGenerator<CodeEvent> {
      const res = await call('GET', `/v1/codes/${id(codeId)}/events`, {
        headers: { 'last-event-id': opts.lastEventId },
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
    async finished(codeId: string, opts: { reconnectMs?: number } = {}): Promise<Code> {
      let lastEventId: string | undefined;
      for (;;) {
        try {
          for await (const event of this.events(codeId, lastEventId ? { lastEventId } : {})) {
            if (event.code) return event.code;
            lastEventId = event.id;
          }
        } catch (error) {
          // 503: the process that answered is draining; the next connection goes to another one.
          if (!(error instanceof ApiError && error.status === 503)) throw error;
        }
        const code = await this.getCode(codeId);
        if (TERMINAL.includes(code.status)) return code;
        await new Promise((r) => setTimeout(r, opts.reconnectMs ?? 500));
      }
    },

    // ── batches
    /**
     * POST /v1/batches with a CSV or JSON Lines body (a stream is sent as it is read); `defaults` are the
     * query parameters that apply to every row, `validate_only` among them.
     */
    uploadBatch: (
      body: BodyInit,
      opts: {
        contentType?: 'text/csv' | 'application/x-ndjson';
        defaults?: Query<'/v1/batches', 'post'> & Record<string, string | number | boolean | undefined>;
        idempotencyKey?: string;
      } = {},
    ) =>
      json<Batch>(
        call('POST', '/v1/batches', {
          body,
          query: opts.defaults,
          headers: { 'content-type': opts.contentType ?? 'text/csv', 'idempotency-key': opts.idempotencyKey },
        }),
      ),
    listBatches: (query?: Query<'/v1/batches', 'get'>) =>
      json<Answer<'/v1/batches', 'get'>>(call('GET', '/v1/batches', { query })),
    getBatch: (batchId: string) => json<Batch>(call('GET', `/v1/batches/${id(batchId)}`)),
    cancelBatch: (batchId: string) => json<Batch>(call('POST', `/v1/batches/${id(batchId)}/cancel`)),
    retryBatch: (batchId: string) => json<Batch>(call('POST', `/v1/batches/${id(batchId)}/retry`)),
    /** The results ZIP as a response whose body streams. */
    resultsZip: (batchId: string) => call('GET', `/v1/batches/${id(batchId)}/results.zip`),

    // ── images without a code
    /** GET /v1/render: the image bytes for these parameters (from the content cache, else rendered). */
    render: (query: Query<'/v1/render', 'get'>) => bytes(call('GET', '/v1/render', { query })),
    /** POST /v1/render-urls: a signed, expiring URL to put in a page without the key. */
    createRenderUrl: (body: RequestBody<'/v1/render-urls', 'post'>) =>
      json<Answer<'/v1/render-urls', 'post'>>(call('POST', '/v1/render-urls', { json: body })),
    /** GET of a signed render URL (`url` from createRenderUrl, or its token): no key is sent. */
    renderSigned: (urlOrToken: string) =>
      bytes(call('GET', urlOrToken.startsWith('/') ? urlOrToken : `/v1/render/${id(urlOrToken)}`, { auth: false })),

    // ── events and webhooks
    listEvents: (query?: Query<'/v1/events', 'get'>) =>
      json<Answer<'/v1/events', 'get'>>(call('GET', '/v1/events', { query })),
    eventDeliveries: (eventId: string) =>
      json<Answer<'/v1/events/{id}/deliveries', 'get'>>(call('GET', `/v1/events/${id(eventId)}/deliveries`)),
    eventTypes: () => json<Answer<'/v1/event-types', 'get'>>(call('GET', '/v1/event-types')),
    listWebhookEndpoints: () => json<Answer<'/v1/webhook-endpoints', 'get'>>(call('GET', '/v1/webhook-endpoints')),
    createWebhookEndpoint: (body: RequestBody<'/v1/webhook-endpoints', 'post'>) =>
      json<WebhookEndpoint>(call('POST', '/v1/webhook-endpoints', { json: body })),
    getWebhookEndpoint: (endpointId: string) =>
      json<WebhookEndpoint>(call('GET', `/v1/webhook-endpoints/${id(endpointId)}`)),
    updateWebhookEndpoint: (endpointId: string, body: RequestBody<'/v1/webhook-endpoints/{id}', 'patch'>) =>
      json<WebhookEndpoint>(call('PATCH', `/v1/webhook-endpoints/${id(endpointId)}`, { json: body })),
    deleteWebhookEndpoint: async (endpointId: string): Promise<void> => {
      await call('DELETE', `/v1/webhook-endpoints/${id(endpointId)}`);
    },
    /** POST /v1/webhook-endpoints/{id}/test: sends a signed test event to the endpoint now. */
    testWebhookEndpoint: (endpointId: string) =>
      json<Answer<'/v1/webhook-endpoints/{id}/test', 'post'>>(
        call('POST', `/v1/webhook-endpoints/${id(endpointId)}/test`),
      ),
    endpointDeliveries: (endpointId: string, query?: Query<'/v1/webhook-endpoints/{id}/deliveries', 'get'>) =>
      json<Answer<'/v1/webhook-endpoints/{id}/deliveries', 'get'>>(
        call('GET', `/v1/webhook-endpoints/${id(endpointId)}/deliveries`, { query }),
      ),
    getWebhookDelivery: (deliveryId: string) =>
      json<WebhookDelivery>(call('GET', `/v1/webhook-deliveries/${id(deliveryId)}`)),
    retryWebhookDelivery: (deliveryId: string) =>
      json<Answer<'/v1/webhook-deliveries/{id}/retry', 'post'>>(
        call('POST', `/v1/webhook-deliveries/${id(deliveryId)}/retry`),
      ),
    rotateWebhookSecret: () =>
      json<Answer<'/v1/account/webhook-secret/rotate', 'post'>>(call('POST', '/v1/account/webhook-secret/rotate')),

    // ── account, keys, usage
    account: () => json<Answer<'/v1/account', 'get'>>(call('GET', '/v1/account')),
    listKeys: () => json<Answer<'/v1/keys', 'get'>>(call('GET', '/v1/keys')),
    createKey: (body: RequestBody<'/v1/keys', 'post'> = {}) =>
      json<Answer<'/v1/keys', 'post'>>(call('POST', '/v1/keys', { json: body })),
    rollKey: (keyId: string) => json<Answer<'/v1/keys/{id}/roll', 'post'>>(call('POST', `/v1/keys/${id(keyId)}/roll`)),
    revokeKey: (keyId: string) => json<Answer<'/v1/keys/{id}', 'delete'>>(call('DELETE', `/v1/keys/${id(keyId)}`)),
    usage: (query?: Query<'/v1/usage', 'get'>) => json<Answer<'/v1/usage', 'get'>>(call('GET', '/v1/usage', { query })),

    // ── catalog and operations
    symbologies: () => json<Answer<'/v1/symbologies', 'get'>>(call('GET', '/v1/symbologies')),
    health: () => json<Answer<'/healthz', 'get'>>(call('GET', '/healthz', { auth: false })),
    ready: () => json<Answer<'/readyz', 'get'>>(call('GET', '/readyz', { auth: false })),
    /** The OpenAPI document these types were generated from. */
    openapi: () => json<Record<string, unknown>>(call('GET', '/openapi.json', { auth: false })),
  };
}

export type Client = ReturnType<typeof createClient>;
