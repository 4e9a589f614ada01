import type { Context } from 'hono';
import type { FieldError } from '../domain/problems.ts';
import { eachString, findTextFaults } from '../domain/text.ts';
import { ApiProblem, validationProblem } from './problem.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON object body. The size limit is enforced by the bodyLimit middleware before this;
 * here: media type, strict UTF-8 (c.req.text() turns bad bytes into U+FFFD silently: here a 422 names the field),
 * syntax, the top level being an object, and every string in it (keys too) being storable text.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiProblem({ code: 'unsupported_media_type', detail: `Send application/json, not ${type}` });
  }
  const bytes = await c.req.arrayBuffer();
  let text: string;
  let badBytes = false;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    // Parsed as decoded with U+FFFD only to say which fields held the bad bytes; refused either way.
    text = new TextDecoder('utf-8').decode(bytes);
    badBytes = true;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ApiProblem({ code: 'invalid_json', detail: (error as Error).message });
  }
  if (badBytes) throw validationProblem(invalidUtf8Fields(body));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiProblem({
      code: 'validation_failed',
      detail: 'The body must be a JSON object',
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  const faults = findTextFaults(body);
  if (faults.length > 0) throw validationProblem(faults);
  return body as Record<string, unknown>;
}

/** The strings (keys or values) a body with invalid UTF-8 had them in: those now holding U+FFFD. */
function invalidUtf8Fields(body: unknown): FieldError[] {
  const paths: FieldError[] = [];
  eachString(body, (s, path, isKey) => {
    if (s.includes('\uFFFD'))
      paths.push({ path, message: isKey ? 'the key is not valid UTF-8' : 'is not valid UTF-8' });
    return paths.length < 20;
  });
  return paths.length > 0 ? paths : [{ path: '', message: 'the body is not valid UTF-8' }];
}
