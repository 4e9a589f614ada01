// Codabar encoded here instead of by bwip-js's raw(): BWIPP's rationalizedCodabar encoder transcribed (no
// check character, the start and stop characters A-D in the text), so the bars and the text are BWIPP's on
// every input; test/unit/render/native-linear.test.ts compares it with raw() on random data. It refuses
// (returns undefined for) everything BWIPP would refuse, so that raw() decides, and raises, there.
import { evenBars, indexByCode, type EncodeOptions, type LinearEncoding } from './encoding.ts';

/** BWIPP's input limit (rationalizedCodabarinputTooLong). */
const MAX_INPUT = 500;
const CHARS = '0123456789-$:/.+ABCD';
/** CHARS from this index on are the start and stop characters; the ones before, the body's. */
const FIRST_START_STOP = 16;
// Each character's seven elements and the narrow gap after it.
const PATTERNS = (
  '11111331 11113311 11131131 33111111 11311311 31111311 13111131 13113111 13311111 31131111 ' +
  '11133111 11331111 31113131 31311131 31313111 11313131 11331311 13131131 11131331 11133311'
)
  .split(' ')
  .map((p) => Array.from(p, Number));
const indexOf = indexByCode(CHARS);

/** Codabar of a start character, body and stop character, as raw() returns it; undefined for data BWIPP refuses. */
export function encodeCodabar(data: string, o: EncodeOptions): LinearEncoding | undefined {
  const last = data.length - 1;
  if (data.length < 2 || data.length > MAX_INPUT) return undefined;
  const sbs: number[] = [];
  for (let i = 0; i <= last; i++) {
    const index = indexOf(data.charCodeAt(i));
    const startStop = i === 0 || i === last;
    if (index < 0 || startStop !== index >= FIRST_START_STOP) return undefined;
    sbs.push(...PATTERNS[index]!);
  }
  return evenBars(sbs, o.height ?? 1, o.includetext ? [[data, 0, 0, 'OCR-B', 10]] : []);
}
