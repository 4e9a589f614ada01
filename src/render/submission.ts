import type { FieldError } from '../domain/problems.ts';
import {
  DEFAULT_POLICY,
  normalizeRenderSpec,
  type Issue,
  type RenderPolicy,
  type RenderSpec,
} from '../domain/render-spec.ts';
import { contentKey } from './content-key.ts';
import { preflight } from './index.ts';

export type CheckedSpec = { ok: true; spec: RenderSpec; key: string } | { ok: false; errors: FieldError[] };

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
