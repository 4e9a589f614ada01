// Code 39 encoded here instead of by bwip-js's raw(): BWIPP's code39 encoder transcribed (no check
// character, the text between its stars), so the bars and the text are BWIPP's on every input;
// test/unit/render/native-linear.test.ts compares it with raw() on random data. It refuses (returns undefined
// for) everything BWIPP would refuse, so that raw() decides, and raises, there.
import { evenBars, indexByCode, type EncodeOptions, type LinearEncoding } from './encoding.ts';

/** BWIPP's input limit (code39inputTooLong). */
const MAX_INPUT = 500;
const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';
// Each character's nine elements and the narrow gap after it; the last is the start/stop character (*).
const PATTERNS = (
  '1113313111 3113111131 1133111131 3133111111 1113311131 3113311111 1133311111 1113113131 3113113111 ' +
  '1133113111 3111131131 1131131131 3131131111 1111331131 3111331111 1131331111 1111133131 3111133111 ' +
  '1131133111 1111333111 3111111331 1131111331 3131111311 1111311331 3111311311 1131311311 1111113331 ' +
  '3111113311 1131113311 1111313311 3311111131 1331111131 3331111111 1311311131 3311311111 1331311111 ' +
  '1311113131 3311113111 1331113111 1313131111 1313111311 1311131311 1113131311 1311313111'
)
  .split(' ')
  .map((p) => Array.from(p, Number));
const STAR = PATTERNS[CHARS.length]!;
const indexOf = indexByCode(CHARS);

/** Code 39 of its 43 characters, as raw() returns it; undefined for data BWIPP refuses. */
export function encodeCode39(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data.length === 0 || data.length > MAX_INPUT) return undefined;
  const sbs: number[] = [...STAR];
  for (let i = 0; i < data.length; i++) {
    const index = indexOf(data.charCodeAt(i));
    if (index < 0) return undefined;
    sbs.push(...PATTERNS[index]!);
  }
  sbs.push(...STAR);
  return evenBars(sbs, o.height ?? 1, o.includetext ? [[`*${data}*`, 0, 0, 'OCR-B', 10]] : []);
}
