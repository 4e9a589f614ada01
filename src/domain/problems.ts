/** One row per public error code: the only place a problem's HTTP status and title are decided. */
export const PROBLEMS = {
  invalid_json: { status: 400, title: 'The body is not valid JSON', retryable: false },
  invalid_request: { status: 400, title: 'The request is malformed', retryable: false },
  unauthorized: { status: 401, title: 'Missing or invalid API key', retryable: false },
  account_suspended: { status: 403, title: 'The account is suspended', retryable: false },
  insufficient_scope: { status: 403, title: "The API key's scope does not allow this request", retryable: false },
  api_key_required: { status: 403, title: 'Anonymous callers may not do this; send an API key', retryable: false },
  not_found: { status: 404, title: 'Not found', retryable: false },
  method_not_allowed: { status: 405, title: 'Method not allowed', retryable: false },
  code_not_ready: { status: 409, title: 'The code has not finished rendering', retryable: true },
  batch_finished: { status: 409, title: 'The batch has already finished', retryable: false },
  code_not_succeeded: { status: 409, title: 'The code has no content because it did not succeed', retryable: false },
  idempotency_in_flight: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
    retryable: true,
  },
  request_timeout: { status: 408, title: 'The request body did not arrive in time', retryable: true },
  payload_too_large: { status: 413, title: 'The body is too large', retryable: false },
  batch_too_large: { status: 413, title: 'The batch file is over a limit', retryable: false },
  unsupported_media_type: { status: 415, title: 'Unsupported content type', retryable: false },
  validation_failed: { status: 422, title: 'The request is invalid', retryable: false },
  invalid_batch_file: { status: 422, title: 'The batch file cannot be read', retryable: false },
  idempotency_key_reused: {
    status: 422,
    title: 'This Idempotency-Key was used with a different request',
    retryable: false,
  },
  rate_limited: { status: 429, title: 'Too many requests', retryable: true },
  quota_exceeded: { status: 429, title: 'The monthly quota is used up', retryable: true },
  too_many_keys: { status: 409, title: 'The account holds as many keys as it may', retryable: false },
  too_many_batches: { status: 429, title: 'Too many batches running for this account', retryable: true },
  render_failed: { status: 422, title: 'The code could not be rendered', retryable: false },
  render_pending: { status: 503, title: 'The render did not finish in time; retry shortly', retryable: true },
  internal_error: { status: 500, title: 'Internal server error', retryable: true },
  too_many_streams: {
    status: 503,
    title: 'This server holds as many event streams as it may; retry shortly',
    retryable: true,
  },
  service_unavailable: { status: 503, title: 'Service temporarily unavailable', retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** One invalid field: `path` is dotted from the body root ('' for the body itself). */
export type FieldError = { path: string; message: string };

/** Field errors on one line, `path: message; …`: a 422's detail and a failed batch row's error message. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
}

/** Error codes a failed code can carry in its `error.code`. */
export const RENDER_ERRORS = {
  render_failed: { retryable: false },
  image_too_large: { retryable: false },
  // The delivered bytes did not decode back to what was asked: never stored as a success.
  verification_failed: { retryable: false },
} as const;
export type RenderErrorCode = keyof typeof RENDER_ERRORS;
