// Golden bars: for random inputs per linear symbology, the bars in our delivered PNG, read back along the
// scan row, are exactly bwip-js raw()'s bar/space widths (sbs, wide elements at BWIPP's ratio) times the
// scale. LINEAR_GOLDEN_RUNS inputs each, 10,000 by default (npm test proves the count; about half a
// minute for all of them).
import bwipjs from 'bwip-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { getSymbology } from '../../../src/domain/symbologies.ts';
import { render } from '../../../src/render/index.ts';
import { ADDON_GAP_MODULES, LINEAR_STYLES } from '../../../src/render/linear/encoding.ts';
import { readPng } from '../../../src/render/png-read.ts';
import { ADDON, ADDON_IDS, LINEAR_DATA, LINEAR_IDS, runs } from './linear-data.ts';

const RUNS = runs('LINEAR_GOLDEN_RUNS', 10_000);

// bwip-js's own widths as a row of 1 (bar) and 0 (space) characters, each module `scale` pixels.
// An add-on goes after a space in the data, as BWIPP takes it, at the gap the renderer sets.
function expectedRow(id: (typeof LINEAR_IDS)[number], data: string, scale: number, addon?: string): string {
  const sym = getSymbology(id);
  const opts: Record<string, unknown> = {};
  if (id === 'code93') opts.includecheck = true;
  if (addon !== undefined) opts.addongap = ADDON_GAP_MODULES;
  const text = addon === undefined ? data : `${data} ${addon}`;
  const [first] = bwipjs.raw(sym.bcid, text, opts as never) as unknown as { sbs: number[] }[];
  const style = LINEAR_STYLES[id]!;
  let row = '';
  first!.sbs.forEach((w, i) => {
    const ratio = i % 2 === 0 ? style.barratio : style.spaceratio;
    const d = w === 0 ? 0 : w * ratio - ratio + 1;
    row += (i % 2 === 0 ? '1' : '0').repeat(d * scale);
  });
  return row.replace(/^0+|0+$/g, '');
}

// The delivered PNG's row through the middle of the band that crosses every bar (add-on bars included).
async function deliveredRow(body: Record<string, unknown>): Promise<{ row: string; data: string } | undefined> {
  const r = normalizeRenderSpec({ ...body, verify: false });
  if (!r.ok) return undefined;
  const out = await render(r.spec);
  const png = readPng(out.bytes)!;
  const y = Math.floor((out.scan!.from + out.scan!.to) / 2);
  let row = '';
  for (let x = 0; x < png.width; x++) row += png.luminance(x, y) < 128 ? '1' : '0';
  return { row, data: r.spec.data };
}

describe(`our bars are bwip-js's sbs (${RUNS} random inputs per symbology)`, () => {
  for (const id of LINEAR_IDS) {
    it(
      id,
      async () => {
        let checked = 0;
        await fc.assert(
          fc.asyncProperty(LINEAR_DATA[id]!, fc.integer({ min: 1, max: 4 }), async (raw, scale) => {
            const got = await deliveredRow({ symbology: id, data: raw, scale });
            if (!got) return;
            expect(got.row).toContain(`0${expectedRow(id, got.data, scale)}0`);
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

describe(`with an EAN-2/EAN-5 add-on, our bars are bwip-js's sbs (${RUNS} random inputs per symbology)`, () => {
  for (const id of ADDON_IDS) {
    it(
      id,
      async () => {
        let checked = 0;
        await fc.assert(
          fc.asyncProperty(
            LINEAR_DATA[id]!,
            ADDON,
            fc.integer({ min: 1, max: 4 }),
            fc.boolean(),
            async (raw, addon, scale, text) => {
              const got = await deliveredRow({ symbology: id, data: raw, addon, scale, include_text: text });
              if (!got) return;
              const expected = expectedRow(id, got.data, scale, addon);
              // The add-on's own guard and a gap of ADDON_GAP_MODULES after the main symbol's end guard.
              expect(expected).toContain(`1${'0'.repeat(ADDON_GAP_MODULES * scale)}${'1'.repeat(scale)}0`);
              expect(got.row).toContain(`0${expected}0`);
              checked++;
            },
          ),
          { numRuns: RUNS },
        );
        expect(checked).toBeGreaterThan(RUNS / 2);
      },
      600_000,
    );
  }
});
