// qrcode chooses a QR symbol's segments (which runs of the data go in numeric, alphanumeric or byte mode)
// with a shortest path over a graph of every choice, rebuilt for every symbol: after the mask scoring, it was
// most of QRCode.create and half of its allocations. The graph depends only on the data's shape — the
// classes of its runs (digits, the alphanumeric set, anything else) with their lengths in characters and,
// for byte runs, in UTF-8 bytes — and on the version, so the choice qrcode makes for one string is the one
// it makes for every string of that shape. The first string of a shape goes through qrcode's own
// fromString; the segments it chose are kept as character ranges, and a later string of the same shape
// gets the same ranges of its own data, through qrcode's own fromArray.
import { createRequire } from 'node:module';

type Mode = { id: string; bit: number };
type Segment = { mode: Mode; data: string | Uint8Array };
type SegmentsModule = {
  fromString(data: string, version: number): Segment[];
  fromArray(array: { data: string; mode: Mode }[]): Segment[];
};
type Range = { mode: Mode; start: number; end: number };

const requireCjs = createRequire(import.meta.url);
const segments = requireCjs('qrcode/lib/core/segments.js') as SegmentsModule;
const kanjiEnabled = (requireCjs('qrcode/lib/core/utils.js') as { isKanjiModeEnabled(): boolean }).isKanjiModeEnabled;
const BYTE = (requireCjs('qrcode/lib/core/mode.js') as { BYTE: Mode }).BYTE;

/** qrcode's own fromString, kept for the equivalence test and for data this does not handle. */
export const originalFromString = segments.fromString;

// Shapes seen in one process: a bound, not an expectation (a service's traffic has a few shapes per use).
const MAX_SHAPES = 4096;
// Only shapes of a few runs are kept: a URL or a product code has a handful, and a bound on runs bounds what
// one entry holds, so that data alternating classes character by character (thousands of runs, each shape
// new) cannot fill a worker's heap with entries no later string will share.
const MAX_RUNS = 32;
const chosen = new Map<string, Range[]>();

const regex = requireCjs('qrcode/lib/core/regex.js') as {
  testNumeric(s: string): boolean;
  testAlphanumeric(s: string): boolean;
};
// qrcode's own tests, asked once per ASCII character: N digits, A the rest of its alphanumeric set, B anything
// else (its alphanumeric set is ASCII; every other unit is a byte run's).
const ASCII_CLASS = Array.from({ length: 128 }, (_, unit) => {
  const ch = String.fromCharCode(unit);
  return regex.testNumeric(ch) ? 'N' : regex.testAlphanumeric(ch) ? 'A' : 'B';
});

/** The class of a UTF-16 unit as qrcode's run expressions split the data. */
function classOf(unit: number): string {
  return unit < 128 ? ASCII_CLASS[unit]! : 'B';
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * The data's shape: each run's class and length (byte runs with their UTF-8 length too), and the version;
 * undefined past MAX_RUNS runs.
 */
function shapeOf(data: string, version: number): string | undefined {
  let key = `${version}`;
  let runs = 0;
  let i = 0;
  while (i < data.length) {
    if (++runs > MAX_RUNS) return undefined;
    const cls = classOf(data.charCodeAt(i));
    let j = i;
    let bytes = 0;
    while (j < data.length && classOf(data.charCodeAt(j)) === cls) {
      const codePoint = data.codePointAt(j)!;
      bytes += utf8Length(codePoint);
      j += codePoint > 0xffff ? 2 : 1;
    }
    key += cls === 'B' ? `|B${j - i}:${bytes}` : `|${cls}${j - i}`;
    i = j;
  }
  return key;
}

/** The character ranges of qrcode's chosen segments, or undefined if they do not tile the data. */
function rangesOf(data: string, chosenSegments: Segment[]): Range[] | undefined {
  const ranges: Range[] = [];
  let at = 0;
  for (const segment of chosenSegments) {
    let end = at;
    if (segment.mode === BYTE) {
      const bytes = (segment.data as Uint8Array).length;
      for (let counted = 0; counted < bytes && end < data.length;) {
        const codePoint = data.codePointAt(end)!;
        counted += utf8Length(codePoint);
        end += codePoint > 0xffff ? 2 : 1;
      }
    } else end += (segment.data as string).length;
    ranges.push({ mode: segment.mode, start: at, end });
    at = end;
  }
  return at === data.length ? ranges : undefined;
}

/** How many shapes this process keeps a choice for (tests). */
export const keptShapes = () => chosen.size;

export function fromStringByShape(data: string, version: number): Segment[] {
  // Kanji mode changes the classes; a lone surrogate makes qrcode throw: both stay qrcode's own.
  if (kanjiEnabled() || !data.isWellFormed()) return originalFromString(data, version);
  const shape = shapeOf(data, version);
  if (shape === undefined) return originalFromString(data, version);
  const ranges = chosen.get(shape);
  if (ranges) return segments.fromArray(ranges.map((r) => ({ data: data.slice(r.start, r.end), mode: r.mode })));
  const result = originalFromString(data, version);
  const found = rangesOf(data, result);
  if (found) {
    if (chosen.size >= MAX_SHAPES) chosen.clear();
    chosen.set(shape, found);
  }
  return result;
}

segments.fromString = fromStringByShape;
