import type { FieldError } from '../domain/problems.ts';
import { DEFAULT_POLICY, normalizeRenderSpec, type RenderPolicy, type RenderSpec } from '../domain/render-spec.ts';
import { contentKey } from './content-key.ts';
import { preflight } from './index.ts';

export type CheckedSpec = { ok: true; spec: RenderSpec; key: string } | { ok: false; errors: FieldError[] };

/**
 * Everything a render request must pass before it is accepted (API submissions and batch rows
 * alike): the schema and data rules, then the engine preflight; plus its content address.
 */
export function checkRenderFields(fields: Record<string, unknown>, policy: RenderPolicy = DEFAULT_POLICY): CheckedSpec {
  const normalized = normalizeRenderSpec(fields, policy);
  if (!normalized.ok) return { ok: false, errors: normalized.issues };
  const engineErrors = preflight(normalized.spec);
  if (engineErrors.length > 0) return { ok: false, errors: engineErrors };
  return { ok: true, spec: normalized.spec, key: contentKey(normalized.spec) };
}
