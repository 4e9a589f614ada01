// The WebP writer codes a plain module matrix straight from its rows (encodeMatrixWebp) rather than from
// the bitmap drawn of it: the bytes must be the very ones the bitmap gives, for any matrix and layout.
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { matrixBitmap } from '../../../src/render/bitmap.ts';
import { encodeBitmapJpeg } from '../../../src/render/jpeg.ts';
import { layoutMatrix, type Matrix } from '../../../src/render/matrix.ts';
import { encodeBitmapWebp, encodeMatrixWebp } from '../../../src/render/webp.ts';

const RUNS = Number(process.env.WEBP_MATRIX_RUNS ?? 300);
const INK = [0x11, 0x22, 0x33];
const PAPER = [0xff, 0xee, 0xdd];

// Cells biased towards runs (whole rows alike, as quiet rows and finder patterns are) as well as noise.
const matrix = fc
  .record({ rows: fc.integer({ min: 1, max: 40 }), cols: fc.integer({ min: 1, max: 40 }), seed: fc.integer() })
  .chain(({ rows, cols }) =>
    fc
      .array(fc.oneof(fc.constant('blank'), fc.constant('copy'), fc.constant('noise')), {
        minLength: rows,
        maxLength: rows,
      })
      .chain((kinds) =>
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: rows * cols, maxLength: rows * cols }).map((noise) => {
          const cells = Uint8Array.from(noise);
          kinds.forEach((kind, r) => {
            if (kind === 'blank') cells.fill(0, r * cols, (r + 1) * cols);
            if (kind === 'copy' && r > 0) cells.copyWithin(r * cols, (r - 1) * cols, r * cols);
          });
          return { rows, cols, cells } satisfies Matrix;
        }),
      ),
  );

const layoutOf = (m: Matrix) =>
  fc
    .record({
      margin: fc.integer({ min: 0, max: 5 }),
      scale: fc.integer({ min: 1, max: 9 }),
      size: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    })
    .map(({ margin, scale, size }) => layoutMatrix(m, margin, scale, size));

describe('WebP from a module matrix', () => {
  it('is byte for byte the WebP of its bitmap (property)', () => {
    fc.assert(
      fc.property(
        matrix.chain((m) => layoutOf(m).map((l) => ({ m, l }))),
        ({ m, l }) => {
          if (!l) return;
          expect(encodeMatrixWebp(m, l, INK, PAPER)).toEqual(encodeBitmapWebp(matrixBitmap(m, l), INK, PAPER));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps no trace of one image in the next, a large one between two small ones included', () => {
    const noise = (n: number, seed: number): Matrix => ({
      rows: n,
      cols: n,
      cells: Uint8Array.from({ length: n * n }, (_, i) => ((i * 2654435761 + seed) >>> 13) & 1),
    });
    const small = noise(21, 1);
    const smallLayout = layoutMatrix(small, 4, 3, undefined)!;
    const large = noise(177, 2);
    const largeLayout = layoutMatrix(large, 4, 23, undefined)!; // 4255 px: the JPEG writer's buffer grows past what it keeps
    const writers = [
      (m: Matrix, l: typeof smallLayout) => encodeMatrixWebp(m, l, INK, PAPER),
      (m: Matrix, l: typeof smallLayout) => encodeBitmapJpeg(matrixBitmap(m, l), INK, PAPER),
    ];
    for (const write of writers) {
      const before = write(small, smallLayout);
      const big = write(large, largeLayout);
      expect(big.length).toBeGreaterThan(before.length * 100);
      expect(write(small, smallLayout)).toEqual(before);
    }
  });

  it('decodes to the modules, in the two colours', async () => {
    const m: Matrix = { rows: 3, cols: 3, cells: Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 1, 0]) };
    const l = layoutMatrix(m, 1, 4, undefined)!;
    const { data, info } = await sharp(encodeMatrixWebp(m, l, INK, PAPER))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([20, 20]);
    const pixel = (x: number, y: number) => [
      ...data.subarray((y * 20 + x) * info.channels, (y * 20 + x) * info.channels + 3),
    ];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        expect(pixel(4 + c * 4 + 2, 4 + r * 4 + 2)).toEqual(m.cells[r * 3 + c] === 1 ? INK : PAPER);
    expect(pixel(0, 0)).toEqual(PAPER);
  });
});
