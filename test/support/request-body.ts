// The bodies tests send are typed from `paths` in src/client/schema.ts: openapi-typescript's output for the live
// /openapi.json (client-package.test.ts fails when it is stale). So `npm run typecheck` compiles every request
// body in test/ against the types an integrator generates, and a body the server takes but the document refuses
// fails to compile here before it fails a client. test/unit/support/request-body.test.ts keeps the types strict.
import type { components, paths } from '../../src/client/schema.ts';

type Template = keyof paths;
type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The URLs a path template stands for: `/v1/keys/{id}/roll` → `/v1/keys/${string}/roll`. */
type UrlOf<T extends string> = T extends `${infer Head}{${string}}${infer Tail}` ? `${Head}${string}${UrlOf<Tail>}` : T;

/** The operations a method and URL (with or without a query) reach. A `${string}` may span slashes, so
 * `/v1/codes/${string}/cancel` fits `/v1/codes/{id}` too: only templates that have the method count. */
type OperationsAt<M extends string, U extends string> = {
  [T in Template]: U extends UrlOf<T> | `${UrlOf<T>}?${string}`
    ? Lowercase<M> extends HttpMethod
      ? Exclude<paths[T][Lowercase<M>], undefined>
      : never
    : never;
}[Template];

/** An operation's body: its JSON schema's type, a string for another media type (CSV, NDJSON), `undefined` where
 * it takes none or the body is optional. */
type BodyOf<Op extends { requestBody?: unknown }> = [NonNullable<Op['requestBody']>] extends [never]
  ? undefined
  : ContentOf<NonNullable<Op['requestBody']>> | (undefined extends Op['requestBody'] ? undefined : never);
type ContentOf<B> = B extends { content: infer C }
  ? 'application/json' extends keyof C
    ? C['application/json']
    : string
  : never;

/** The body for one method and one URL; `undefined` where the document has no such operation. */
type OneBody<M extends string, U extends string> = [OperationsAt<M, U>] extends [never]
  ? undefined
  : BodyOf<OperationsAt<M, U>>;

/**
 * The body the document describes for `method url`. Where either is a union (`/v1/batches${'' | `?${string}`}`),
 * a body that fits every operation they may name. A method or URL the document does not describe (an unknown
 * route, a wrong method, one known only at run time) takes no typed body: see `unchecked`.
 */
export type RequestBody<M extends string, U extends string> = (
  M extends unknown ? (U extends unknown ? (each: [OneBody<M, U>]) => void : never) : never
) extends (each: infer All extends [unknown]) => void
  ? All[0]
  : never;

/** One row of an NDJSON batch file, as the document describes it. */
export type BatchRow = components['schemas']['BatchRow'];

const UNCHECKED = Symbol('unchecked body');

/** A body sent as it is, outside the document's types. */
export type Unchecked = { readonly [UNCHECKED]: unknown };

/** A test's body argument for `method url`: the document's type, or an `unchecked(…)` one. */
// NoInfer around the whole union: `NoInfer<A | undefined> | B` refuses values of A (TypeScript 5.9).
export type TestBody<M extends string, U extends string> = NoInfer<RequestBody<M, U> | Unchecked>;

/**
 * The arguments after the URL: the body (required where the document requires one, so leaving it out is a
 * compile error too), then `Tail`.
 */
export type BodyArgs<M extends string, U extends string, Tail extends unknown[]> =
  undefined extends RequestBody<M, U> ? [body?: TestBody<M, U>, ...Tail] : [body: TestBody<M, U>, ...Tail];

/**
 * The one way for a test to send a body the document's types do not accept: malformed or non-JSON text, raw bytes,
 * a value of the wrong type or shape, or a body for a route the document does not describe. A string or bytes are
 * sent as they are, anything else as JSON.
 */
export function unchecked(body: unknown): Unchecked {
  return { [UNCHECKED]: body };
}

/** What a body goes on the wire as (nothing for `undefined`): a string or bytes as they are, anything else as JSON. */
export function wireBody(body: unknown): string | Uint8Array | undefined {
  const value = typeof body === 'object' && body !== null && UNCHECKED in body ? (body as Unchecked)[UNCHECKED] : body;
  return typeof value === 'string' || value instanceof Uint8Array || value === undefined
    ? value
    : JSON.stringify(value);
}

/** An NDJSON batch file of typed rows. */
export function ndjson(rows: BatchRow[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n');
}

/** The JSON text of a body for `method url` as the document types it: for tests that send with `fetch`. */
export function jsonBody<const M extends string, const U extends string>(
  _method: M,
  _url: U,
  body: NoInfer<Exclude<RequestBody<M, U>, undefined | string>>,
): string {
  return JSON.stringify(body);
}
