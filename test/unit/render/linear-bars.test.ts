// Golden bars: for random inputs per linear symbology, the bars in our delivered PNG, read back along the
// scan row, are exactly bwip-js raw()'s bar/space widths (sbs, wide elements at BWIPP's ratio) times the
// scale. npm test runs LINEAR_GOLDEN_RUNS (default 150) inputs each; npm run test:property runs 10,000.
import bwipjs from 'bwip-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { getSymbology } from '../../../src/domain/symbologies.ts';
import { render } from '../../../src/render/index.ts';
import { LINEAR_STYLES } from '../../../src/render/linear/encoding.ts';
import { readPng } from '../../../src/render/png-read.ts';
import { LINEAR_DATA, LINEAR_IDS, runs } from './linear-data.ts';

const RUNS = runs('LINEAR_GOLDEN_RUNS', 150);

// bwip-js's own widths as a row of 1 (bar) and 0 (space) characters, each module `scale` pixels.
function expectedRow(id: (typeof LINEAR_IDS)[number], data: string, scale: number): string {
  const sym = getSymbology(id);
  const opts: Record<string, unknown> = {};
  if (id === 'code93') opts.includecheck = true;
  const [first] = bwipjs.raw(sym.bcid, data, opts as never) as unknown as { sbs: number[] }[];
  const style = LINEAR_STYLES[id]!;
  let row = '';
  first!.sbs.forEach((w, i) => {
    const ratio = i % 2 === 0 ? style.barratio : style.spaceratio;
    const d = w === 0 ? 0 : w * ratio - ratio + 1;
    row += (i % 2 === 0 ? '1' : '0').repeat(d * scale);
  });
  return row.replace(/^0+|0+$/g, '');
}

describe(`our bars are bwip-js's sbs (${RUNS} random inputs per symbology)`, () => {
  for (const id of LINEAR_IDS) {
    it(
      id,
      async () => {
        let checked = 0;
        await fc.assert(
          fc.asyncProperty(LINEAR_DATA[id]!, fc.integer({ min: 1, max: 4 }), async (raw, scale) => {
            const r = normalizeRenderSpec({ symbology: id, data: raw, scale, verify: false });
            if (!r.ok) return;
            const out = await render(r.spec);
            const png = readPng(out.bytes)!;
            const y = Math.floor((out.scan!.from + out.scan!.to) / 2);
            let row = '';
            for (let x = 0; x < png.width; x++) row += png.luminance(x, y) < 128 ? '1' : '0';
            expect(row).toContain(`0${expectedRow(id, r.spec.data, scale)}0`);
            checked++;
          }),
          { numRuns: RUNS },
        );
        // Most generated data is valid: a generator that stopped producing any would make this test empty.
        expect(checked).toBeGreaterThan(RUNS / 2);
      },
      600_000,
    );
  }
});
