// The JPEG writer keeps each 8x8 pattern's coding across images (per colour pair, in a hashed table, in
// up to eight bit phases, cleared past a byte bound). Whatever it has kept, an image's bytes must be the
// ones a cold writer gives, and they must decode to the bitmap.
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createBitmap, matrixBitmap, type Bitmap } from '../../../src/render/bitmap.ts';
import { blockAligned, encodeBitmapJpeg, encodeMatrixJpeg } from '../../../src/render/jpeg.ts';
import { layoutMatrix } from '../../../src/render/matrix.ts';

const RUNS = Number(process.env.JPEG_RUNS ?? 300);

// A bitmap whose block rows share their top halves: patterns that differ in one 32-bit half only.
function bitmap(width: number, height: number, seed: number[]): Bitmap {
  const b = createBitmap(width, height);
  for (let y = 0; y < height; y++)
    for (let i = 0; i < b.stride; i++) b.bits[y * b.stride + i] = seed[((y & 4 ? y : y & 3) * 7 + i) % seed.length]!;
  return b;
}

const image = fc.record({
  width: fc.integer({ min: 1, max: 90 }),
  height: fc.integer({ min: 1, max: 40 }),
  seed: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
  colour: fc.boolean(),
  dpi: fc.constantFrom(undefined, 72, 300),
});
const colours = (colour: boolean): [number[], number[]] =>
  colour
    ? [
        [20, 40, 200],
        [250, 240, 100],
      ]
    : [
        [0, 0, 0],
        [255, 255, 255],
      ];

describe('JPEG writer', () => {
  it('gives the same bytes for an image whatever the images before it left in its cache', () => {
    fc.assert(
      fc.property(image, fc.array(image, { minLength: 1, maxLength: 6 }), (target, others) => {
        const b = bitmap(target.width, target.height, target.seed);
        const [fg, bg] = colours(target.colour);
        const first = encodeBitmapJpeg(b, fg, bg, target.dpi);
        for (const o of others) encodeBitmapJpeg(bitmap(o.width, o.height, o.seed), ...colours(o.colour), o.dpi);
        expect(encodeBitmapJpeg(b, fg, bg, target.dpi).equals(first)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes to the bitmap', async () => {
    await fc.assert(
      fc.asyncProperty(image, async ({ width, height, seed }) => {
        const b = bitmap(width, height, seed);
        const { data } = await sharp(encodeBitmapJpeg(b, [0, 0, 0], [255, 255, 255]))
          .greyscale()
          .raw()
          .toBuffer({ resolveWithObject: true });
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) {
            const ink = (b.bits[y * b.stride + (x >> 3)]! >> (7 - (x & 7))) & 1;
            expect(Math.abs(data[y * width + x]! - (ink ? 0 : 255)), `${x},${y}`).toBeLessThan(100);
          }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it("codes a module matrix as its bitmap's bytes, whether its blocks fall in single modules or not", () => {
    let aligned = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((cols) =>
          fc.record({
            cols: fc.constant(cols),
            rows: fc.integer({ min: 1, max: 30 }),
            cells: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 900, maxLength: 900 }),
            margin: fc.integer({ min: 0, max: 5 }),
            scale: fc.constantFrom(1, 3, 8, 16, 24),
            size: fc.option(fc.integer({ min: 40, max: 800 }), { nil: undefined }),
            colour: fc.boolean(),
            dpi: fc.constantFrom(undefined, 300),
          }),
        ),
        ({ cols, rows, cells, margin, scale, size, colour, dpi }) => {
          const m = { cols, rows, cells: Uint8Array.from(cells.slice(0, cols * rows)) };
          const l = layoutMatrix(m, margin, scale, size);
          if (!l) return;
          if (blockAligned(l)) aligned++;
          const [fg, bg] = colours(colour);
          expect(encodeMatrixJpeg(m, l, fg, bg, dpi).equals(encodeBitmapJpeg(matrixBitmap(m, l), fg, bg, dpi))).toBe(
            true,
          );
        },
      ),
      { numRuns: RUNS },
    );
    // The module-coded path itself was compared, not only the bitmap fallback.
    expect(aligned).toBeGreaterThan(RUNS / 20);
  });
});
