// The segment choice kept per data shape (src/render/qr-segments.ts) is the one qrcode's own fromString
// makes: for random strings, for a second string of the same shape (answered from what the first chose),
// and in the matrices QRCode.create draws.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { expect, it } from 'vitest';
import { fromStringByShape, keptShapes, originalFromString } from '../../../src/render/qr-segments.ts';

const RUNS = Number(process.env.QR_SEGMENT_RUNS ?? 500);
const segments = createRequire(import.meta.url)('qrcode/lib/core/segments.js') as {
  fromString: typeof fromStringByShape;
};

// Each class of character qrcode splits on, with characters of each UTF-8 length among the rest.
const CLASSES = [
  [...'0123456789'],
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'],
  [...'abcxyz?&=#~!_\n'],
  [...'éüßñ'],
  [...'€→漢字テ'],
  [...'😀🎉𝄞'],
];

type Segment = { mode: { id: string }; data: string | Uint8Array };
const plain = (list: Segment[]) =>
  list.map((s) => ({
    mode: s.mode.id,
    data: typeof s.data === 'string' ? s.data : Buffer.from(s.data).toString('hex'),
  }));

/** Runs of characters drawn from the classes, biased to the run lengths where mode switches pay or not. */
const dataArb = fc
  .array(
    fc.record({
      cls: fc.integer({ min: 0, max: CLASSES.length - 1 }),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
    }),
    { minLength: 1, maxLength: 14 },
  )
  .map((runs) => runs.map((run) => run.picks.map((p) => CLASSES[run.cls]![p % CLASSES[run.cls]!.length]).join('')));

/** The same shape: every character replaced by another of its class (the same UTF-8 length). */
function sameShape(runs: string[], salt: number): string {
  return runs
    .map((run) =>
      [...run]
        .map((ch, i) => {
          const cls = CLASSES.find((c) => c.includes(ch))!;
          return cls[(cls.indexOf(ch) + salt + i) % cls.length];
        })
        .join(''),
    )
    .join('');
}

it('chooses the segments qrcode chooses, for a string and for another of the same shape', () => {
  fc.assert(
    fc.property(dataArb, fc.integer({ min: 1, max: 40 }), fc.nat(), (runs, version, salt) => {
      const first = runs.join('');
      expect(plain(fromStringByShape(first, version))).toEqual(plain(originalFromString(first, version)));
      const second = sameShape(runs, salt + 1);
      expect(plain(fromStringByShape(second, version))).toEqual(plain(originalFromString(second, version)));
      // Another version is another choice: the count indicators grow at versions 10 and 27.
      for (const other of [9, 10, 26, 27]) {
        expect(plain(fromStringByShape(second, other))).toEqual(plain(originalFromString(second, other)));
      }
    }),
    { numRuns: RUNS },
  );
});

it('draws the same matrices through QRCode.create, and leaves lone surrogates to qrcode', () => {
  expect(segments.fromString).toBe(fromStringByShape);
  fc.assert(
    fc.property(dataArb, fc.constantFrom('L', 'M', 'Q', 'H'), fc.nat(), (runs, ecc, salt) => {
      for (const data of [runs.join(''), sameShape(runs, salt + 1)]) {
        const ours = QRCode.create(data, { errorCorrectionLevel: ecc });
        segments.fromString = originalFromString;
        try {
          const theirs = QRCode.create(data, { errorCorrectionLevel: ecc });
          expect(ours.version).toBe(theirs.version);
          expect(Buffer.from(ours.modules.data).equals(Buffer.from(theirs.modules.data))).toBe(true);
        } finally {
          segments.fromString = fromStringByShape;
        }
      }
    }),
    { numRuns: Math.max(20, RUNS / 10) },
  );
  expect(() => fromStringByShape('ab\ud800cd', 5)).toThrow();
});

it('keeps nothing for data of many runs: a flood of new shapes, each alternating classes, leaves the kept shapes as they were', () => {
  const before = keptShapes();
  for (let n = 40; n < 400; n++) {
    const data = 'a1'.repeat(n) + 'A'.repeat(n % 7);
    expect(plain(fromStringByShape(data, 40))).toEqual(plain(originalFromString(data, 40)));
  }
  expect(keptShapes()).toBe(before);
  // A NUL is a byte like any other: its shape is kept and answered as qrcode answers it.
  const nul = 'ab\u0000cd123';
  expect(plain(fromStringByShape(nul, 3))).toEqual(plain(originalFromString(nul, 3)));
  expect(plain(fromStringByShape('xy\u0000zw456', 3))).toEqual(plain(originalFromString('xy\u0000zw456', 3)));
});
