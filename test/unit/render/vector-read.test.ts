// The vector read-back's scanners (verification reads a delivered SVG, PDF or EPS through them): each is
// held to the regular expression it replaced, on strings drawn from the characters that matter to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPaintOps, tokenize } from '../../../src/render/paint.ts';
import { sampleDrawing, scanDrawing } from '../../../src/render/scanline.ts';
import {
  decimalAt,
  markBox,
  numbers,
  parsePath,
  parseShape,
  transformSegs,
  type Affine,
  type Drawing,
  type Seg,
} from '../../../src/render/vector.ts';

const RUNS = 20_000;
// The pixel comparisons fill and read drawings per run: fewer of them (`npm run test:property` runs 5,000).
const FILL_RUNS = Number(process.env.VECTOR_FILL_RUNS ?? 1000);
const textOf = (alphabet: string, maxLength = 40) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength });

// The regular-expression parser parsePath replaced, kept as its reference.
function regexParsePath(d: string): Seg[] {
  const out: Seg[] = [];
  let [x, y, sx, sy] = [0, 0, 0, 0];
  for (const m of d.matchAll(/([MLCQZhvz])([^MLCQZhvz]*)/g)) {
    const n = (m[2]!.match(/-?\d*\.?\d+(?:e-?\d+)?/gi) ?? []).map(Number);
    if (m[1] === 'M' || m[1] === 'L')
      for (let i = 0; i + 1 < n.length; i += 2) {
        [x, y] = [n[i]!, n[i + 1]!];
        if (i === 0 && m[1] === 'M') [sx, sy] = [x, y];
        out.push([i === 0 ? (m[1] as 'M') : 'L', x, y]);
      }
    else if (m[1] === 'h') for (const dx of n) out.push(['L', (x += dx), y]);
    else if (m[1] === 'v') for (const dy of n) out.push(['L', x, (y += dy)]);
    else if (m[1] === 'C')
      for (let i = 0; i + 5 < n.length; i += 6) {
        out.push(['C', n[i]!, n[i + 1]!, n[i + 2]!, n[i + 3]!, n[i + 4]!, n[i + 5]!]);
        [x, y] = [n[i + 4]!, n[i + 5]!];
      }
    else if (m[1] === 'Q')
      for (let i = 0; i + 3 < n.length; i += 4) {
        const [qx, qy, ex, ey] = [n[i]!, n[i + 1]!, n[i + 2]!, n[i + 3]!];
        const k = 2 / 3;
        out.push(['C', x + k * (qx - x), y + k * (qy - y), ex + k * (qx - ex), ey + k * (qy - ey), ex, ey]);
        [x, y] = [ex, ey];
      }
    else {
      out.push(['Z']);
      [x, y] = [sx, sy];
    }
  }
  return out;
}

describe('vector read-back scanners', () => {
  it('numbers finds what /-?\\d*\\.?\\d+(?:e-?\\d+)?/gi finds', () => {
    const reference = (s: string) => (s.match(/-?\d*\.?\d+(?:e-?\d+)?/gi) ?? []).map(Number);
    fc.assert(
      fc.property(textOf('0123456789.-eE ,MLCZhvx'), (s) => {
        expect(numbers(s)).toEqual(reference(s));
      }),
      { numRuns: RUNS },
    );
  });

  it('decimalAt reads a decimal as Number() does, to the last bit', () => {
    const decimal = fc.tuple(
      fc.constantFrom('', '-'),
      fc.stringMatching(/^[0-9]{0,17}$/),
      fc.constantFrom('', '.'),
      fc.stringMatching(/^[0-9]{0,17}$/),
      fc.constantFrom('', '.', 'e5', '.1'),
    );
    fc.assert(
      fc.property(decimal, (parts) => {
        const s = `x${parts.join('')}y`;
        expect(Object.is(decimalAt(s, 1, s.length - 1), Number(s.slice(1, -1)))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('parsePath reads what the regular-expression parser it replaced reads', () => {
    fc.assert(
      fc.property(textOf('0123456789.-eE ,MLCQZhvzx', 80), (d) => {
        expect(parsePath(d)).toEqual(regexParsePath(d));
      }),
      { numRuns: RUNS },
    );
  });

  it('a path read with its rectangles kept as rectangles fills the pixels its segments fill', () => {
    // Coordinates in quarter pixels, exact in binary: sums and differences of them are exact too.
    const q = fc.integer({ min: -8, max: 96 }).map((n) => n / 4);
    const rectangle = fc.tuple(q, q, q, q).map(([x, y, w, h]) => `M${x} ${y}h${w}v${h}h${-w}z`);
    const other = fc.oneof(
      fc.tuple(q, q).map(([x, y]) => `M${x} ${y}`),
      fc.tuple(q, q).map(([x, y]) => `L${x} ${y}`),
      q.map((d) => `h${d}`),
      q.map((d) => `v${d}`),
      fc.constant('z'),
      fc.constant('Z'),
    );
    const path = fc.array(fc.oneof(rectangle, rectangle, other), { maxLength: 12 }).map((parts) => parts.join(''));
    const drawing = (shape: { d: Seg[]; rects?: number[] }): Drawing => ({
      width: 24,
      height: 24,
      background: '#ffffff',
      shapes: [{ fill: '#000000', ...shape }],
      pictures: [],
    });
    fc.assert(
      fc.property(path, (d) => {
        const [segments, shape] = [drawing({ d: parsePath(d) }), drawing(parseShape(d))];
        expect(sampleDrawing(shape, 0, 0, 1, 24, 24)).toEqual(sampleDrawing(segments, 0, 0, 1, 24, 24));
        for (const axis of ['row', 'column'] as const)
          for (const at of [0, 5, 11, 23])
            expect(scanDrawing(shape, axis, at)).toEqual(scanDrawing(segments, axis, at));
      }),
      { numRuns: FILL_RUNS },
    );
  });

  it('a rectangle (re) under a transform that keeps axes fills the pixels its four sides fill', () => {
    const q = fc.integer({ min: -8, max: 64 }).map((n) => n / 4);
    const scale = fc.constantFrom(1, -1, 2, -0.5, 0.25);
    // A rectangle, and what may follow it in the same path: a line or a close from where re left the point.
    const rectangle = fc.tuple(
      q,
      q,
      q,
      q,
      fc.oneof(
        fc.constant(''),
        fc.tuple(q, q).map(([x, y]) => ` ${x} ${y} l`),
        fc.constant(' h'),
        fc.tuple(q, q).map(([x, y]) => ` ${x} ${y} m ${y} ${x} l`),
      ),
    );
    fc.assert(
      fc.property(fc.tuple(scale, scale, q, q), fc.array(rectangle, { maxLength: 6 }), ([a, d, e, f], rects) => {
        const cm = `${a} 0 0 ${d} ${e} ${f} cm`;
        const asRe = rects.map(([x, y, w, h, then]) => `${x} ${y} ${w} ${h} re${then}`).join(' ');
        const asSides = rects
          .map(([x, y, w, h, then]) => `${x} ${y} m ${x + w} ${y} l ${x + w} ${y + h} l ${x} ${y + h} l h${then}`)
          .join(' ');
        const read = (path: string) => readPaintOps(`1 1 1 rg 0 0 m f* q ${cm} 0 0 0 rg ${path} f* Q`, 24, 24, 'f*');
        const [kept, sides] = [read(asRe), read(asSides)];
        expect(sampleDrawing(kept, 0, 0, 1, 24, 24)).toEqual(sampleDrawing(sides, 0, 0, 1, 24, 24));
        for (const axis of ['row', 'column'] as const)
          for (const at of [0, 7, 16]) expect(scanDrawing(kept, axis, at)).toEqual(scanDrawing(sides, axis, at));
      }),
      { numRuns: FILL_RUNS },
    );
  });

  // An outline's operators (quarter-pixel coordinates), and transforms that keep axes or turn them.
  const quarter = fc.integer({ min: -16, max: 80 }).map((n) => n / 4);
  const outlineOps = fc
    .array(
      fc.oneof(
        fc.tuple(quarter, quarter).map(([x, y]) => `${x} ${y} m`),
        fc.tuple(quarter, quarter).map(([x, y]) => `${x} ${y} l`),
        fc.tuple(quarter, quarter, quarter, quarter, quarter, quarter).map((n) => `${n.join(' ')} c`),
        fc.constant('h'),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((ops) => `0 0 m ${ops.join(' ')}`);
  const affine = fc.tuple(
    fc.constantFrom([1, 0, 0, 1], [-1, 0, 0, 1], [0.5, 0, 0, -0.5], [0, 1, -1, 0], [0, -0.5, 0.5, 0]),
    quarter,
    quarter,
  );

  it("a called outline read as a mark paints what running the outline's operators in its place paints", () => {
    fc.assert(
      fc.property(
        outlineOps,
        fc.array(affine, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (outline, placements, shapeAfter) => {
          const place = (body: string) =>
            placements.map(([m, e, f]) => `q ${m.join(' ')} ${e} ${f} cm 0 0 0 rg ${body} Q`).join(' ');
          const after = shapeAfter ? ' 0.5 0.5 0.5 rg 2 2 m 20 3 l 4 21 l h f*' : '';
          const head = '1 1 1 rg 0 0 m f* 0 0 1 rg 1 1 9 9 re f* ';
          const called = readPaintOps(`${head}${place('G0')}${after}`, 24, 24, 'f*', (name) =>
            name === 'G0' ? `${outline} f*` : undefined,
          );
          const inline = readPaintOps(`${head}${place(`${outline} f*`)}${after}`, 24, 24, 'f*');
          expect(called.marks?.length ?? 0).toBe(shapeAfter ? 0 : placements.length);
          expect(sampleDrawing(called, 0, 0, 1, 24, 24)).toEqual(sampleDrawing(inline, 0, 0, 1, 24, 24));
          for (const axis of ['row', 'column'] as const)
            for (const at of [0, 4, 9, 17, 23])
              expect(scanDrawing(called, axis, at)).toEqual(scanDrawing(inline, axis, at));
        },
      ),
      { numRuns: FILL_RUNS },
    );
  });

  it("a mark's box holds every point of its placed outline", () => {
    fc.assert(
      fc.property(outlineOps, affine, (outline, [m, e, f]) => {
        const d = readPaintOps(`${outline} f*`, 24, 24, 'f*').shapes[0]?.d ?? [];
        const at = [...m, e, f] as Affine;
        const [x0, y0, x1, y1] = markBox({ d, fill: '#000000', at });
        for (const seg of transformSegs(d, at))
          for (let i = 1; i + 1 < seg.length; i += 2) {
            expect(seg[i] as number).toBeGreaterThanOrEqual(x0);
            expect(seg[i] as number).toBeLessThanOrEqual(x1);
            expect(seg[i + 1] as number).toBeGreaterThanOrEqual(y0);
            expect(seg[i + 1] as number).toBeLessThanOrEqual(y1);
          }
      }),
      { numRuns: FILL_RUNS },
    );
  });

  it('tokenize splits as split(/\\s+/) does, numbers as /^-?[\\d.]+$/ reads them, brackets dropped', () => {
    const reference = (ops: string) =>
      ops
        .split(/\s+/)
        .filter((t) => t !== '' && t !== '[' && t !== ']')
        .map((t) => (/^-?[\d.]+$/.test(t) ? Number(t) : t));
    fc.assert(
      fc.property(textOf('0123456789.-[]/Gfmlc* \n\t\r\u000b\u000c\u00a0\u0001\u0085'), (ops) => {
        expect(tokenize(ops)).toEqual(reference(ops));
      }),
      { numRuns: RUNS },
    );
  });

  it('a procedure is read once per name, and what it leaves stacked goes to the next operator', () => {
    const asked: string[] = [];
    const procs: Record<string, string> = { G0: '3', G1: '0 0 m' };
    const drawing = readPaintOps('1 1 1 rg 0 0 m f* 0 0 0 rg G1 G0 4 l G1 G0 4 l f*', 2, 2, 'f*', (name) => {
      asked.push(name);
      return procs[name];
    });
    expect(drawing.shapes).toEqual([
      {
        fill: '#000000',
        d: [
          ['M', 0, 0],
          ['L', 3, 4],
          ['M', 0, 0],
          ['L', 3, 4],
        ],
      },
    ]);
    expect(asked).toEqual(['G1', 'G0']);
  });
});
