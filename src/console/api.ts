// The console's only way into the service: HTTP requests to the API's public contract, made with the
// signed-in user's key, as if the browser had sent them (same client address, same limits and quota).
import type { Context } from 'hono';
import type { ConsoleEnv } from './env.ts';

export type { ApiFetch } from './env.ts';

/**
 * A JSON object of the API's contract, read loosely: the pages show its fields and the API's own tests
 * (openapi.test.ts) check their shapes, so a second typed copy of every schema here would only drift.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiObject = any;

/** A problem+json body, as the API writes them. */
export type Problem = {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
};

/** One API answer: the response and, for JSON bodies, the parsed body. */
export type ApiAnswer<T> =
  | { ok: true; status: number; body: T; response: Response }
  | { ok: false; status: number; problem: Problem; response: Response };

/** Headers of the browser's request that the API should see as its own (client address, proxy hops). */
const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-request-id', 'user-agent'];

/** Calls the API with `key` (the session's, unless given): a raw Response. */
export function callApi(
  c: Context<ConsoleEnv>,
  method: string,
  path: string,
  init: { body?: string | ReadableStream | null; headers?: Record<string, string>; key?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const name of FORWARDED) {
    const value = c.req.header(name);
    if (value && !headers.has(name)) headers.set(name, value);
  }
  headers.set('authorization', `Bearer ${init.key ?? c.var.session.key}`);
  const request = new Request(new URL(path, c.req.url), {
    method,
    headers,
    body: init.body ?? null,
    ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return Promise.resolve(c.var.apiFetch(request, c.env));
}

/** Calls the API with a JSON body (if any) and reads its JSON answer or problem. */
export async function apiJson<T = ApiObject>(
  c: Context<ConsoleEnv>,
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await callApi(c, method, path, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers,
    key: options.key,
  });
  return readAnswer<T>(response);
}

/** Reads an API response as a success body or a problem. */
export async function readAnswer<T>(response: Response): Promise<ApiAnswer<T>> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the text itself is the detail
  }
  if (response.ok) return { ok: true, status: response.status, body: parsed as T, response };
  const problem = (parsed && typeof parsed === 'object' ? parsed : { detail: text }) as Problem;
  return { ok: false, status: response.status, problem: { ...problem, status: response.status }, response };
}
