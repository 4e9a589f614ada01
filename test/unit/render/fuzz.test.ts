import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS } from '../../../src/domain/symbologies.ts';
import { RenderError, preflight, render } from '../../../src/render/index.ts';

describe('any accepted spec', () => {
  it('preflight never throws, and render either succeeds or throws RenderError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SYMBOLOGY_IDS),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 40 }),
          fc.stringMatching(/^\d{1,20}$/),
          fc.stringMatching(/^[A-Z0-9 ]{1,20}$/),
        ),
        fc.constantFrom('png', 'svg'),
        fc.constantFrom(0, 90, 180, 270),
        async (symbology, data, format, rotate) => {
          const r = normalizeRenderSpec({ symbology, data, format, rotate });
          if (!r.ok) return;
          const issues = preflight(r.spec);
          try {
            const out = await render(r.spec);
            expect(issues).toEqual([]);
            expect(out.bytes.length).toBeGreaterThan(0);
          } catch (err) {
            expect(err).toBeInstanceOf(RenderError);
            expect(issues.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
