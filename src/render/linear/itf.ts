// Interleaved 2 of 5 and ITF-14 encoded here instead of by bwip-js's raw(): BWIPP's interleaved2of5 and
// itf14 encoders transcribed, so the bars, the bearer-bar options' text and the check digit are BWIPP's on
// every input; test/unit/render/native-linear.test.ts compares them with raw() on random data. Each refuses
// (returns undefined for) everything BWIPP would refuse, and the inputs BWIPP would change (an odd number of
// digits, which it pads with a zero), so that raw() decides there.
import { gs1CheckDigit } from '../../domain/render-spec.ts';
import { allDigits, evenBars, type EncodeOptions, type LinearEncoding } from './encoding.ts';

/** BWIPP's input limit for interleaved2of5 (interleaved2of5inputTooLong). */
const MAX_INPUT = 500;
// Each digit's five elements (two wide), and the start and stop patterns.
const DIGITS = ['11221', '21112', '12112', '22111', '11212', '21211', '12211', '11122', '21121', '12121'].map((p) =>
  Array.from(p, Number),
);
const START = [1, 1, 1, 1];
const STOP = [2, 1, 1, 1];
const FONT = 'OCR-B';
const TEXT_SIZE = 10;
/** ITF-14's text sits this far (points) below where the renderer would put it, under the bearer bar. */
const ITF14_TEXT_Y = -3.5;
/** ITF-14's default bar height (inches); Interleaved 2 of 5's is 1. */
const ITF14_HEIGHT = 0.5;

/** Bars and spaces of an even number of digits: start, each pair's bars (first digit) and spaces (second) interleaved, stop. */
function interleavedBars(digits: string): number[] {
  const sbs: number[] = [...START];
  for (let i = 0; i < digits.length; i += 2) {
    const bars = DIGITS[digits.charCodeAt(i) - 48]!;
    const spaces = DIGITS[digits.charCodeAt(i + 1) - 48]!;
    for (let k = 0; k < 5; k++) sbs.push(bars[k]!, spaces[k]!);
  }
  sbs.push(...STOP);
  return sbs;
}

/** Interleaved 2 of 5 of an even number of digits, no check digit, as raw() returns it; undefined otherwise. */
export function encodeInterleaved2of5(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data.length === 0 || data.length % 2 !== 0 || data.length > MAX_INPUT || !allDigits(data)) return undefined;
  const txt: LinearEncoding['txt'] = o.includetext ? [[data, 0, 0, FONT, TEXT_SIZE]] : [];
  return evenBars(interleavedBars(data), o.height ?? 1, txt);
}

/**
 * ITF-14 of 14 digits whose last is their check digit, as raw() returns it: BWIPP always sets its text
 * (the renderer prints it only with includetext). Undefined for anything else: BWIPP completes 13 digits
 * itself and refuses a wrong check digit, so raw() decides there.
 */
export function encodeItf14(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data.length !== 14 || !allDigits(data) || data.charCodeAt(13) - 48 !== gs1CheckDigit(data.slice(0, 13)))
    return undefined;
  return evenBars(interleavedBars(data), o.height ?? ITF14_HEIGHT, [[data, 0, ITF14_TEXT_Y, FONT, TEXT_SIZE]]);
}
