import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as v from 'valibot';
import { PROBLEMS, describeFieldErrors, type FieldError, type ProblemCode } from '../domain/problems.ts';

export type ProblemInit = {
  code: ProblemCode;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members (e.g. the rate-limit policy) added to the body. */
  extra?: Record<string, unknown>;
};

/** The one error our handlers throw; status and title come from the PROBLEMS table. */
export class ApiProblem extends Error {
  readonly init: ProblemInit;
  constructor(init: ProblemInit) {
    super(init.detail ?? PROBLEMS[init.code].title);
    this.init = init;
  }
}

/** Shorthand for a 422 with field errors. */
export function validationProblem(errors: FieldError[]): ApiProblem {
  return new ApiProblem({ code: 'validation_failed', detail: describeFieldErrors(errors), errors });
}

/** valibot issues → field errors with dotted paths, prefixed by where the input came from. */
export function fieldErrors(issues: readonly v.BaseIssue<unknown>[], prefix = ''): FieldError[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    return { path: [prefix, path].filter(Boolean).join('.'), message: issue.message };
  });
}

/** A problem's `type`: an absolute URI under the public base URL, whose page GET /problems/{code} serves. */
export function problemType(publicBaseUrl: string, code: ProblemCode): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/problems/${code}`;
}

/** Writes an RFC 9457 problem+json response; `type` is absolute under `publicBaseUrl`. */
export function problemResponse(c: Context, init: ProblemInit, publicBaseUrl: string): Response {
  const problem = PROBLEMS[init.code];
  const body = {
    type: problemType(publicBaseUrl, init.code),
    title: problem.title,
    status: problem.status,
    detail: init.detail ?? problem.title,
    code: init.code,
    retryable: problem.retryable,
    ...(init.errors ? { errors: init.errors } : {}),
    ...init.extra,
    request_id: c.get('requestId') as string | undefined,
  };
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json',
    ...init.headers,
  });
}

// Postgres/Redis failures that mean "try again shortly", not "we have a bug".
const UNAVAILABLE_CODES = new Set([
  'REDIS_UNAVAILABLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  "Stream isn't writeable",
  'Connection is closed',
  'Reached the max retries per request limit',
  'Client has encountered a connection error',
];

/** True when an error means a dependency is unreachable (answer 503 + Retry-After). */
export function isUnavailableError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}

export type ErrorLog = (error: unknown, c: Context) => void;

/** The app's onError: our problems, Hono's HTTPExceptions, unavailable dependencies, then 500. */
export function onError(log: ErrorLog, options: { retryAfterSeconds: number; publicBaseUrl: string }): ErrorHandler {
  const respond = (c: Context, init: ProblemInit) => problemResponse(c, init, options.publicBaseUrl);
  return (error, c) => {
    if (error instanceof ApiProblem) return respond(c, error.init);
    if (error instanceof HTTPException) {
      const code = (Object.keys(PROBLEMS) as ProblemCode[]).find((k) => PROBLEMS[k].status === error.status);
      return respond(c, { code: code ?? 'invalid_request', detail: error.message || undefined });
    }
    if (isUnavailableError(error)) {
      return respond(c, {
        code: 'service_unavailable',
        detail: 'A backing service is unreachable; retry shortly.',
        headers: { 'Retry-After': String(options.retryAfterSeconds) },
      });
    }
    log(error, c);
    return respond(c, { code: 'internal_error', detail: 'An unexpected error occurred.' });
  };
}

/**
 * The app's notFound: a path the app serves with other methods is a 405 with `Allow` (RFC 9110 §15.5.6);
 * any other a 404.
 */
export function notFound(options: {
  publicBaseUrl: string;
  allowedMethods: (path: string) => string[];
}): NotFoundHandler {
  return (c) => {
    const allowed = options.allowedMethods(c.req.path);
    if (allowed.length > 0)
      return problemResponse(
        c,
        {
          code: 'method_not_allowed',
          detail: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}`,
          headers: { Allow: allowed.join(', ') },
        },
        options.publicBaseUrl,
      );
    return problemResponse(
      c,
      { code: 'not_found', detail: `No route for ${c.req.method} ${c.req.path}` },
      options.publicBaseUrl,
    );
  };
}
