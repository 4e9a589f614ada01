import type { Context } from 'hono';
import { ApiProblem } from './problem.ts';

/**
 * Reads a JSON object body. The size limit is enforced by the bodyLimit middleware before this;
 * here: media type, syntax, and the top level being an object.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiProblem({ code: 'unsupported_media_type', detail: `Send application/json, not ${type}` });
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ApiProblem({ code: 'invalid_json', detail: (error as Error).message });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiProblem({
      code: 'validation_failed',
      detail: 'The body must be a JSON object',
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  return body as Record<string, unknown>;
}
