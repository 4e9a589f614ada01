import * as v from 'valibot';
import { metadataSchema } from '../domain/metadata.ts';
import type { FieldError } from '../domain/problems.ts';
import {
  DEFAULT_POLICY,
  normalizeRenderSpec,
  type Issue,
  type RenderPolicy,
  type RenderSpec,
} from '../domain/render-spec.ts';
import { RENDER_FIELDS, type RequestLimits } from '../domain/requests.ts';
import { contentKey } from './content-key.ts';
import { preflight } from './index.ts';

export type CheckedSpec = { ok: true; spec: RenderSpec; key: string } | { ok: false; errors: FieldError[] };

/** A submission that passed every check: what is recorded as a code. */
export type Submission = { spec: RenderSpec; key: string; metadata: Record<string, string> };
export type CheckedSubmission = ({ ok: true } & Submission) | { ok: false; errors: FieldError[] };

/** What runs the engine checks of a normalized spec: inline, or a preflight pool's thread for one account. */
export type RunPreflight = (spec: RenderSpec) => Promise<Issue[]>;

/** preflight() on the calling thread: for tests and callers whose specs need no engine. */
export const inlinePreflight: RunPreflight = async (spec) => preflight(spec);

/**
 * Everything a render request must pass before it is accepted (API submissions and batch rows
 * alike): the schema and data rules, then the engine preflight; plus its content address.
 */
export async function checkRenderFields(
  fields: Record<string, unknown>,
  policy: RenderPolicy = DEFAULT_POLICY,
  runPreflight: RunPreflight = inlinePreflight,
): Promise<CheckedSpec> {
  const normalized = normalizeRenderSpec(fields, policy);
  if (!normalized.ok) return { ok: false, errors: normalized.issues };
  const engineErrors = await runPreflight(normalized.spec);
  if (engineErrors.length > 0) return { ok: false, errors: engineErrors };
  return { ok: true, spec: normalized.spec, key: contentKey(normalized.spec) };
}

const RENDER_FIELD_SET = new Set<string>(RENDER_FIELDS);
const metadataSchemas = new Map<string, ReturnType<typeof metadataSchema>>();
function metadataSchemaOf(limits: RequestLimits) {
  const id = `${limits.maxKeys}/${limits.maxValueLength}`;
  let schema = metadataSchemas.get(id);
  if (!schema) metadataSchemas.set(id, (schema = metadataSchema(limits)));
  return schema;
}

/**
 * The one submission check, for every way a code arrives (POST /v1/codes, GET /v1/render, render URLs,
 * batch rows in the request and at expansion): unknown fields, metadata, then the render fields.
 * `extra` names the body's other fields (metadata, webhook_url…): any other is refused. Never throws on bad input.
 */
export async function checkSubmission(
  body: Record<string, unknown>,
  options: { policy: RenderPolicy; limits: RequestLimits; extra?: readonly string[]; runPreflight?: RunPreflight },
): Promise<CheckedSubmission> {
  const extra = new Set(options.extra);
  const errors: FieldError[] = [];
  const render: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (RENDER_FIELD_SET.has(key)) render[key] = value;
    else if (!extra.has(key)) errors.push({ path: key, message: 'is not a known field' });
  }
  const metadata = v.safeParse(metadataSchemaOf(options.limits), body.metadata ?? {});
  if (!metadata.success)
    for (const issue of metadata.issues) {
      const path = ['metadata', ...(issue.path ?? []).map((p) => String(p.key))].join('.');
      errors.push({ path, message: issue.message });
    }
  const checked = await checkRenderFields(render, options.policy, options.runPreflight);
  if (!checked.ok) errors.push(...checked.errors);
  if (errors.length > 0 || !checked.ok || !metadata.success) return { ok: false, errors };
  return { ok: true, spec: checked.spec, key: checked.key, metadata: metadata.output };
}
