// Code 128 and GS1-128 encoded here instead of by bwip-js's raw(): BWIPP's code128 "legacy" encoder (the one
// it runs unless `newencoder` is set) transcribed step for step, so the code sets, shifts, check character and
// stop pattern are BWIPP's on every input; test/unit/render/code128.test.ts compares it with raw() on random
// data. raw() spends most of its time in BWIPP's input parsing and PostScript emulation, not in this logic.
import { bracketed, hasPredefinedLength, parseElementString } from '../../domain/gs1.ts';
import { evenBars, type EncodeOptions, type LinearEncoding } from './encoding.ts';

/** FNC1 in a message, as BWIPP's parseinput writes it (its code128 uses -7). */
const FNC1 = -7;
const SHIFT = 98;
const TO_C = 99;
const TO_B = 100; // from A or C
const TO_A = 101; // from B or C
const FNC1_VALUE = 102;
const START = [103, 104, 105];
const STOP = 106;
const A = 0;
const B = 1;
const C = 2;
/** BWIPP's input limit (code128inputTooLong), counted in characters of the data it is given. */
const MAX_INPUT = 500;

// Bar/space widths of symbol values 0-106 (106 is the stop pattern with its final bar).
const PATTERNS = (
  '212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 ' +
  '113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 ' +
  '212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 ' +
  '113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 ' +
  '314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 ' +
  '241211 221114 413111 241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 ' +
  '214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 211214 ' +
  '211232 2331112'
)
  .split(' ')
  .map((p) => Array.from(p, Number));

const isDigit = (c: number) => c >= 48 && c <= 57;
const onlyInA = (c: number) => c >= 0 && c < 32; // control characters
const onlyInB = (c: number) => c >= 96 && c < 128; // lowercase and `{|}~ DEL
const valueInA = (c: number) => (c === FNC1 ? FNC1_VALUE : c >= 32 ? c - 32 : c + 64);
const valueInB = (c: number) => (c === FNC1 ? FNC1_VALUE : c - 32);

/**
 * The symbol values for a message of ASCII codes (0-127) and FNC1, start to stop, as BWIPP's legacy
 * encoder chooses them: set C for runs of four or more digits (an even run switches at once, an odd one
 * after its first digit), a shift for a lone character of the other set, FNC1 kept in set C's pairs.
 */
export function code128Values(msg: readonly number[]): number[] {
  const n = msg.length;
  // digitsAt[i]: how many characters from i set C can take, pairing from i (FNC1 counts two, on a pair
  // boundary); digitsAfterOne[i]: the same pairing from i + 1. BWIPP's numsAtEven and numsAtOdd.
  const digitsAt = new Int32Array(n + 1);
  const digitsAfterOne = new Int32Array(n + 1);
  // How far the next character only set A (or only set B) has; 9999 past the end.
  const nextOnlyA = new Int32Array(n + 1);
  const nextOnlyB = new Int32Array(n + 1);
  nextOnlyA[n] = 9999;
  nextOnlyB[n] = 9999;
  for (let i = n - 1; i >= 0; i--) {
    const c = msg[i]!;
    if (c === FNC1) {
      digitsAt[i] = 2 + digitsAt[i + 1]!;
    } else if (isDigit(c)) {
      digitsAt[i] = 1 + digitsAfterOne[i + 1]!;
      digitsAfterOne[i] = 1 + digitsAt[i + 1]!;
    }
    nextOnlyA[i] = onlyInA(c) ? 0 : nextOnlyA[i + 1]! + 1;
    nextOnlyB[i] = onlyInB(c) ? 0 : nextOnlyB[i + 1]! + 1;
  }
  const aBeforeB = (i: number) => nextOnlyA[i]! < nextOnlyB[i]!;
  const bBeforeA = (i: number) => nextOnlyB[i]! < nextOnlyA[i]!;

  let set: number;
  if (n === 0) set = B;
  else if ((n === 2 && digitsAt[0] === 2) || digitsAt[0]! >= 4) set = C;
  else set = aBeforeB(0) ? A : B;
  const values: number[] = [START[set]!];
  const push = (v: number) => values.push(v);
  const inSet = (c: number) => (set === A ? valueInA(c) : valueInB(c));

  let i = 0;
  while (i !== n) {
    const run = digitsAt[i]!;
    if (set !== C && run >= 4 && msg[i] !== FNC1) {
      if (run % 2 === 0) {
        push(TO_C);
        set = C;
        continue;
      }
      push(inSet(msg[i]!));
      i++;
      if (digitsAt[i]! >= 4) {
        push(TO_C);
        set = C;
        continue;
      }
      // BWIPP goes on with the next character in the same step.
    }
    const c = msg[i]!;
    if (set === B && onlyInA(c)) {
      if (i < n - 1 && bBeforeA(i + 1)) {
        push(SHIFT);
        push(valueInA(c));
        i++;
      } else {
        push(TO_A);
        set = A;
      }
      continue;
    }
    if (set === A && onlyInB(c)) {
      if (i < n - 1 && aBeforeB(i + 1)) {
        push(SHIFT);
        push(valueInB(c));
        i++;
      } else {
        push(TO_B);
        set = B;
      }
      continue;
    }
    if (set === C && run < 2 && c > -1) {
      set = aBeforeB(i) ? A : B;
      push(set === A ? TO_A : TO_B);
      continue;
    }
    if (set !== C) {
      push(inSet(c));
      i++;
    } else if (c === FNC1) {
      push(FNC1_VALUE);
      i++;
    } else {
      push((c - 48) * 10 + msg[i + 1]! - 48);
      i += 2;
    }
  }
  let sum = values[0]!;
  for (let k = 1; k < values.length; k++) sum += values[k]! * k;
  values.push(sum % 103, STOP);
  return values;
}

function encodingOf(msg: readonly number[], text: string, height: number): LinearEncoding {
  const sbs: number[] = [];
  for (const v of code128Values(msg)) sbs.push(...PATTERNS[v]!);
  // BWIPP leaves the text's y unset (the renderer places it); x offset 0, its default font and size.
  return evenBars(sbs, height, [[text, 0, undefined, 'OCR-B', 10]]);
}

/** Code 128 of ASCII data (0-127) as raw() returns it; undefined for data outside what it is proven on. */
export function encodeCode128(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data.length > MAX_INPUT) return undefined;
  const msg = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c > 127) return undefined;
    msg[i] = c;
  }
  return encodingOf(msg, data, o.height ?? 1);
}

/**
 * GS1-128 of a normalized element string, (AI)value…, as raw() returns it: FNC1 first and after every
 * value whose AI has no predefined length except the last, the text as given. Undefined for data in any
 * other spelling (raw() then decides). It does not run BWIPP's GS1 lint: preflight keeps raw() for that.
 */
export function encodeGs1128(data: string, o: EncodeOptions): LinearEncoding | undefined {
  const parsed = parseElementString(data);
  if (!parsed.ok || bracketed(parsed.elements) !== data || data.length > MAX_INPUT) return undefined;
  const msg = [FNC1];
  let fnc1s = 1;
  parsed.elements.forEach(({ ai, value }, k) => {
    for (let i = 0; i < ai.length; i++) msg.push(ai.charCodeAt(i));
    for (let i = 0; i < value.length; i++) msg.push(value.charCodeAt(i));
    if (k < parsed.elements.length - 1 && !hasPredefinedLength(ai)) {
      msg.push(FNC1);
      fnc1s++;
    }
  });
  // BWIPP hands code128 the message with each FNC1 spelled ^FNC1, and code128 checks that length too.
  if (msg.length + 4 * fnc1s > MAX_INPUT) return undefined;
  return encodingOf(msg, data, o.height ?? 0.5);
}
