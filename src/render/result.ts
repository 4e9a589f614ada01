import type { RenderSpec } from '../domain/render-spec.ts';
import { storedResult } from './content-key.ts';
import type { Verify } from './decoder.ts';
import { render } from './index.ts';

export type ProducedResult =
  /** bytes to store under the key (verified when the spec asks) */
  | { ok: true; result: ReturnType<typeof storedResult> }
  /** the engine refused the input, or the bytes do not read back as asked: never stored */
  | { ok: false; code: 'render_failed' | 'verification_failed'; message: string };

/**
 * Renders a spec and, when `options.verify` is set, decodes the bytes back before they may be stored:
 * the render worker and the API's re-render of a result removed by retention both come here.
 */
export async function produceResult(
  spec: RenderSpec,
  key: string,
  verifier: () => Promise<Verify>,
): Promise<ProducedResult> {
  let rendered;
  try {
    rendered = await render(spec);
  } catch (error) {
    return { ok: false, code: 'render_failed', message: error instanceof Error ? error.message : String(error) };
  }
  let verification = null;
  if (spec.options.verify) {
    verification = await (await verifier())(spec, rendered);
    if (!verification.verified)
      return {
        ok: false,
        code: 'verification_failed',
        message: `the rendered ${spec.format} does not scan as requested: ${verification.message ?? 'mismatch'}`,
      };
  }
  return { ok: true, result: storedResult(key, rendered, verification) };
}
