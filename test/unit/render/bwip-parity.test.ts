// Our linear and MaxiCode drawing against bwip-js's own: for random data and options, the PNG we deliver
// has bwip-js's size and every pixel bwip-js draws fully (bars, bearer box, hexagons, rings, glyph cores)
// is ours too; only pixels bwip-js anti-aliases (glyph edges) may go either way in our 1-bit image.
// PARITY_RUNS (default 15) cases per symbology.
import bwipjs from 'bwip-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { SymbologyId } from '../../../src/domain/symbologies.ts';
import { getSymbology } from '../../../src/domain/symbologies.ts';
import { planBwip } from '../../support/bwip-reference.ts';
import { render } from '../../../src/render/index.ts';
import { readPng } from '../../../src/render/png-read.ts';
import { ADDON, ADDON_IDS, LINEAR_DATA, LINEAR_IDS, runs } from './linear-data.ts';

const RUNS = runs('PARITY_RUNS', 15);
const DATA: Partial<Record<SymbologyId, fc.Arbitrary<string>>> = {
  ...LINEAR_DATA,
  maxicode: fc.stringMatching(/^[\x20-\x7e]{1,40}$/),
};

const options = fc.record(
  {
    scale: fc.integer({ min: 1, max: 5 }),
    margin: fc.integer({ min: 0, max: 12 }),
    rotate: fc.constantFrom(0, 90, 180, 270),
    include_text: fc.boolean(),
    bar_height: fc.integer({ min: 5, max: 120 }),
    size: fc.integer({ min: 200, max: 900 }),
  },
  { requiredKeys: [] },
);

async function compare(id: SymbologyId, data: string, opts: Record<string, unknown>): Promise<boolean> {
  const body: Record<string, unknown> = { symbology: id, data, verify: false, ...opts };
  if (id === 'maxicode') delete body.include_text;
  if (id === 'maxicode') delete body.bar_height;
  if (body.size !== undefined) delete body.scale;
  const r = normalizeRenderSpec(body);
  if (!r.ok) return false;
  const plan = planBwip(getSymbology(id), r.spec);
  if (!plan.ok) return false;
  let theirs;
  try {
    theirs = readPng(await bwipjs.toBuffer({ ...plan.opts }))!;
  } catch {
    return false; // bwip-js refuses it (our render must refuse too)
  }
  const ours = readPng((await render(r.spec)).bytes)!;
  expect([ours.width, ours.height], JSON.stringify(body)).toEqual([theirs.width, theirs.height]);
  for (let y = 0; y < ours.height; y++)
    for (let x = 0; x < ours.width; x++) {
      const l = theirs.luminance(x, y);
      if (l !== 0 && l !== 255) continue;
      if ((l === 0) !== ours.luminance(x, y) < 128) expect.fail(`${JSON.stringify(body)}: pixel ${x},${y} differs`);
    }
  return true;
}

describe(`our drawing is bwip-js's (${RUNS} random cases per symbology)`, () => {
  for (const id of [...LINEAR_IDS, 'maxicode'] as SymbologyId[]) {
    it(
      id,
      async () => {
        let compared = 0;
        await fc.assert(
          fc.asyncProperty(DATA[id]!, options, async (data, opts) => {
            // MaxiCode turned 90° differs at some sizes: the known case below, until it is mended.
            if (id === 'maxicode' && opts.rotate === 90) return;
            if (await compare(id, data, opts)) compared++;
          }),
          { numRuns: RUNS },
        );
        expect(compared).toBeGreaterThan(RUNS / 3);
      },
      120_000 + RUNS * 1_000,
    );
  }
});

describe(`with an EAN-2/EAN-5 add-on, our drawing is bwip-js's (${RUNS} random cases per symbology)`, () => {
  for (const id of ADDON_IDS) {
    it(
      id,
      async () => {
        let compared = 0;
        await fc.assert(
          fc.asyncProperty(LINEAR_DATA[id]!, ADDON, options, async (data, addon, opts) => {
            if (await compare(id, data, { ...opts, addon })) compared++;
          }),
          { numRuns: RUNS },
        );
        expect(compared).toBeGreaterThan(RUNS / 3);
      },
      120_000 + RUNS * 1_000,
    );
  }
});

// A known difference, found by the property above: MaxiCode turned 90° at a frame scale where the hexagons'
// rows land on odd pixels differs from bwip-js by a few hundred pixels. Ours is the upright symbol turned,
// pixel for pixel, and verifies (read turned back, roundtrip.test.ts); bwip-js draws its turned hexagons
// anew. Turned 270° and 180° are equal. When the two agree this case passes, `fails` then fails, and the
// rotate-90 exclusion above goes.
it.fails('MaxiCode turned 90° at size 847 equals bwip-js (known difference)', async () => {
  expect(await compare('maxicode', ' ', { margin: 0, rotate: 90, size: 847 })).toBe(true);
});
