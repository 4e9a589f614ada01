// Code 93 (full ASCII, with both check characters) encoded here instead of by bwip-js's raw(): BWIPP's
// code93ext and code93 encoders transcribed, so the shift pairs, the check characters C and K, the bars and
// the text are BWIPP's on every input; test/unit/render/native-linear.test.ts compares it with raw() on random
// data. It refuses (returns undefined for) everything BWIPP would refuse, so that raw() decides there.
import { evenBars, type EncodeOptions, type LinearEncoding } from './encoding.ts';

/** BWIPP's input limit, on the data (code93extinputTooLong) and on the shift-spelled message code93 gets. */
const MAX_INPUT = 500;
// Each value's six elements: 0-42 the characters of CHARS, 43-46 the shifts ($) (%) (/) (+); 47 start, 48 stop.
const PATTERNS = (
  '131112 111213 111312 111411 121113 121212 121311 111114 131211 141111 211113 211212 211311 221112 ' +
  '221211 231111 112113 112212 112311 122112 132111 111123 111222 111321 121122 131121 212112 212211 ' +
  '211122 211221 221121 222111 112122 112221 122121 123111 121131 311112 311211 321111 112131 113121 ' +
  '211131 121221 312111 311121 122211 111141 1111411'
)
  .split(' ')
  .map((p) => Array.from(p, Number));
const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';
const START = 47;
const STOP = 48;
const SHIFTS: Record<string, number> = { $: 43, '%': 44, '/': 45, '+': 46 };
// Every ASCII character as BWIPP's code93ext spells it: one Code 93 character, or a shift and a letter.
// prettier-ignore
const EXTENDED = [
  '%U', '$A', '$B', '$C', '$D', '$E', '$F', '$G', '$H', '$I', '$J', '$K', '$L', '$M', '$N', '$O', '$P', '$Q', '$R',
  '$S', '$T', '$U', '$V', '$W', '$X', '$Y', '$Z', '%A', '%B', '%C', '%D', '%E', ' ', '/A', '/B', '/C', '$', '%', '/F',
  '/G', '/H', '/I', '/J', '+', '/L', '-', '.', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '/Z', '%F', '%G',
  '%H', '%I', '%J', '%V', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S',
  'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '%K', '%L', '%M', '%N', '%O', '%W', '+A', '+B', '+C', '+D', '+E', '+F', '+G', '+H',
  '+I', '+J', '+K', '+L', '+M', '+N', '+O', '+P', '+Q', '+R', '+S', '+T', '+U', '+V', '+W', '+X', '+Y', '+Z', '%P',
  '%Q', '%R', '%S', '%T',
].map((spelling) =>
  spelling.length === 1 ? [CHARS.indexOf(spelling)] : [SHIFTS[spelling[0]!]!, CHARS.indexOf(spelling[1]!)],
);
/** How long "^SFT" makes a shift in the message BWIPP's code93ext hands to code93 (its input limit counts it). */
const SHIFT_SPELLING = 6;

/** Code 93 of ASCII data (0-127) with its two check characters, as raw() returns it; undefined otherwise. */
export function encodeCode93(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data.length > MAX_INPUT) return undefined;
  const values: number[] = [];
  let text = '';
  let spelled = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c > 127) return undefined;
    const ext = EXTENDED[c]!;
    values.push(...ext);
    spelled += ext.length === 1 ? 1 : SHIFT_SPELLING;
    // Control characters print as spaces, and a shifted character takes a space after it.
    text += (c < 32 || c === 127 ? ' ' : data[i]) + (ext.length === 1 ? '' : ' ');
  }
  if (spelled > MAX_INPUT) return undefined;
  let c1 = 0;
  let c2 = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    c1 += (((n - i - 1) % 20) + 1) * values[i]!;
    c2 += (((n - i) % 15) + 1) * values[i]!;
  }
  c1 %= 47;
  c2 = (c2 + c1) % 47;
  const sbs: number[] = [...PATTERNS[START]!];
  for (const v of [...values, c1, c2, STOP]) sbs.push(...PATTERNS[v]!);
  return evenBars(sbs, o.height ?? 1, o.includetext ? [[text, 0, 0, 'OCR-B', 10]] : []);
}
