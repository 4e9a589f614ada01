// EAN-13, EAN-8, UPC-A and UPC-E, with their EAN-2/EAN-5 add-ons, encoded here instead of by bwip-js's
// raw(): BWIPP's ean13, ean8, upca, upce, ean2 and ean5 encoders transcribed, so the bars, the longer guard
// bars, their bottoms and the text (positions and sizes included) are BWIPP's on every input;
// test/unit/render/ean.test.ts compares them with raw() on random data. Each encoder refuses (returns
// undefined for) everything BWIPP would refuse, and more, so that raw() decides, and raises, there.
import { expandUpce, gs1CheckDigit } from '../../domain/render-spec.ts';
import { ADDON_GAP_MODULES, allDigits, type EncodeOptions, type LinearEncoding, type TextItem } from './encoding.ts';

/**
 * BWIPP's float normalization ($f in bwip-js): non-integers are stored as single precision. Reproduced
 * wherever BWIPP applies it, since the values must be the very numbers raw() returns.
 */
const single = (v: number) => ((v | 0) === v ? v : Math.fround(v));

const FONT = 'OCR-B';
const TEXT_SIZE = 12;
/** The size of UPC's outer digits (number system, check digit), printed left and right of the bars. */
const SMALL_TEXT_SIZE = TEXT_SIZE - 2;
const TEXT_Y = -5.25;
/** How far the guard bars (and the add-on's bars) reach below the others: 5 points, in inches. */
const DESCENT = 5 / 72;
/** BWIPP's default bar height, in inches, when the render sets none. */
const DEFAULT_HEIGHT = 1;
/** The add-on's bars are this much shorter (in inches) when the main symbol prints its digits. */
const ADDON_TEXT_SHORTENING = 0.15;

// Digit patterns as space/bar widths (the L set; reversed, the G set; the R set is L's widths from a bar),
// and the guard patterns.
const DIGITS = ['3211', '2221', '2122', '1411', '1132', '1231', '1114', '1312', '1213', '3112'].map((p) =>
  Array.from(p, Number),
);
const REVERSED = DIGITS.map((p) => [...p].reverse());
const NORMAL_GUARD = [1, 1, 1];
const CENTRE_GUARD = [1, 1, 1, 1, 1];
const UPCE_END_GUARD = [1, 1, 1, 1, 1, 1];
const ADDON_START = [1, 1, 2];
const ADDON_SEPARATOR = [1, 1];

// Which digits take the G set (1: the L widths reversed): by EAN-13's leading digit; by UPC-E's check digit (for
// number system 1; number system 0 inverts it); by EAN-5's checksum; by EAN-2's value mod 4.
const EAN13_PARITY = '000000 001011 001101 001110 010011 011001 011100 010101 010110 011010'.split(' ');
const UPCE_PARITY = '000111 001011 001101 001110 010011 011001 011100 010101 010110 011010'.split(' ');
const EAN5_PARITY = '11000 10100 10010 10001 01100 00110 00011 01010 01001 00101'.split(' ');
const EAN2_PARITY = ['00', '01', '10', '11'];

const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;

/** Bar heights and bottoms: `groups` alternates guard bars and digit bars, starting with guards. */
function barsOf(groups: readonly number[], height: number, includetext: boolean): { bhs: number[]; bbs: number[] } {
  const bhs: number[] = [];
  const bbs: number[] = [];
  // The guards reach below the digits only when the digits are printed there.
  const guardHeight = includetext ? single(height + DESCENT) : height;
  const guardBottom = includetext ? -DESCENT : 0;
  groups.forEach((count, k) => {
    const guard = k % 2 === 0;
    for (let i = 0; i < count; i++) {
      bhs.push(guard ? guardHeight : height);
      bbs.push(guard ? guardBottom : 0);
    }
  });
  return { bhs, bbs };
}

const text = (digit: string, x: number, size = TEXT_SIZE, y: number = TEXT_Y): TextItem => [digit, x, y, FONT, size];

function pushAll(to: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}

/** The digits' patterns from `from` to `to`, each from the G set where `reversed(i)` says so. */
function pushDigits(sbs: number[], d: string, from: number, to: number, reversed = (_i: number) => false): void {
  for (let i = from; i <= to; i++) pushAll(sbs, (reversed(i) ? REVERSED : DIGITS)[digitAt(d, i)]!);
}

/** EAN-13's, EAN-8's and UPC-A's bars: guard, the left digits (some in the G set), centre guard, the right digits, guard. */
function twoHalves(d: string, left: [number, number], right: [number, number], reversed?: (i: number) => boolean) {
  const sbs = [...NORMAL_GUARD];
  pushDigits(sbs, d, left[0], left[1], reversed);
  pushAll(sbs, CENTRE_GUARD);
  pushDigits(sbs, d, right[0], right[1]);
  pushAll(sbs, NORMAL_GUARD);
  return sbs;
}

/**
 * The main symbol as BWIPP builds it, before any add-on: its bars, the guard and digit groups of its bar
 * heights, its text (built only when it is printed) and the x BWIPP starts the add-on's text at.
 */
type MainSymbol = { sbs: number[]; groups: readonly number[]; txt: () => TextItem[]; addonTextX: number };

function ean13(d: string): MainSymbol {
  const parity = EAN13_PARITY[digitAt(d, 0)]!;
  const sbs = twoHalves(d, [1, 6], [7, 12], (i) => parity[i - 1] === '1');
  const txt = () => {
    const xoff = -7.75;
    const items = [text(d[0]!, xoff)];
    for (let i = 1; i <= 6; i++) items.push(text(d[i]!, single((i - 1) * 7 + 15 + xoff)));
    for (let i = 7; i <= 12; i++) items.push(text(d[i]!, single((i - 1) * 7 + 19 + xoff)));
    return items;
  };
  return { sbs, groups: [2, 12, 2, 12, 2], txt, addonTextX: 98.25 };
}

function ean8(d: string): MainSymbol {
  const sbs = twoHalves(d, [0, 3], [4, 7]);
  const txt = () => {
    const xoff = 7.25;
    const items: TextItem[] = [];
    for (let i = 0; i <= 3; i++) items.push(text(d[i]!, single(i * 7 + xoff)));
    for (let i = 4; i <= 7; i++) items.push(text(d[i]!, single(i * 7 + xoff) + 4));
    return items;
  };
  return { sbs, groups: [2, 8, 2, 8, 2], txt, addonTextX: 70.25 };
}

function upca(d: string): MainSymbol {
  const sbs = twoHalves(d, [0, 5], [6, 11]);
  const txt = () => {
    const xoff = -5.75;
    const items = [text(d[0]!, xoff, SMALL_TEXT_SIZE)];
    for (let i = 1; i <= 5; i++) items.push(text(d[i]!, single(i * 7 + 13 + xoff)));
    for (let i = 6; i <= 10; i++) items.push(text(d[i]!, single(i * 7 + xoff) + 17));
    items.push(text(d[11]!, xoff + 107, SMALL_TEXT_SIZE));
    return items;
  };
  // The first and last digits' bars are as long as the guards'.
  return { sbs, groups: [4, 10, 2, 10, 4], txt, addonTextX: 98.25 };
}

function upce(d: string): MainSymbol {
  const parity = UPCE_PARITY[digitAt(d, 7)]!;
  // Number system 0 takes the inverse parities of number system 1.
  const reversedWhen = d[0] === '0' ? '0' : '1';
  const sbs = [...NORMAL_GUARD];
  pushDigits(sbs, d, 1, 6, (i) => parity[i - 1] === reversedWhen);
  pushAll(sbs, UPCE_END_GUARD);
  const txt = () => {
    const xoff = -5.75;
    const items = [text(d[0]!, xoff, SMALL_TEXT_SIZE)];
    for (let i = 1; i <= 6; i++) items.push(text(d[i]!, single((i - 1) * 7 + 13 + xoff)));
    items.push(text(d[7]!, single(6 * 7 + 21 + xoff), SMALL_TEXT_SIZE));
    return items;
  };
  return { sbs, groups: [2, 12, 3], txt, addonTextX: 54.25 };
}

/** EAN-5 or EAN-2 as BWIPP's ean5/ean2 return it for the main symbol's options (its text always on). */
function addonSymbol(addon: string, height: number, xoff: number): LinearEncoding {
  let parity: string;
  if (addon.length === 5) {
    let sum = 0;
    for (let i = 0; i < 5; i++) sum += digitAt(addon, i) * (i % 2 === 0 ? 3 : 9);
    parity = EAN5_PARITY[sum % 10]!;
  } else {
    parity = EAN2_PARITY[Number(addon) % 4]!;
  }
  const y = single(height * 72 + 4.75);
  const sbs: number[] = [];
  const txt: TextItem[] = [];
  for (let i = 0; i < addon.length; i++) {
    pushAll(sbs, i === 0 ? ADDON_START : ADDON_SEPARATOR);
    pushAll(sbs, (parity[i] === '1' ? REVERSED : DIGITS)[digitAt(addon, i)]!);
    txt.push(text(addon[i]!, single((i - 1) * 9 + 10 + xoff), TEXT_SIZE, y));
  }
  // BWIPP's ean5 lists 16 bar heights (its bars), its ean2 12 for its 7 bars: the renderer reads as many as
  // there are bars, but raw() returns all of them.
  const bars = addon.length === 5 ? 16 : 12;
  return {
    sbs,
    bhs: new Array<number>(bars).fill(single(height + DESCENT)),
    bbs: new Array<number>(bars).fill(-DESCENT),
    txt,
  };
}

function encodingOf(main: MainSymbol, o: EncodeOptions): LinearEncoding {
  const height = o.height ?? DEFAULT_HEIGHT;
  const { bhs, bbs } = barsOf(main.groups, height, o.includetext);
  const enc: LinearEncoding = { sbs: main.sbs, bhs, bbs, txt: o.includetext ? main.txt() : [] };
  if (o.addon === undefined) return enc;
  const addonHeight = o.includetext ? single(height - ADDON_TEXT_SHORTENING) : height;
  const add = addonSymbol(o.addon, addonHeight, single(main.addonTextX + ADDON_GAP_MODULES));
  enc.sbs.push(ADDON_GAP_MODULES);
  pushAll(enc.sbs, add.sbs);
  pushAll(enc.bhs, add.bhs);
  pushAll(enc.bbs, add.bbs);
  for (const t of add.txt) enc.txt.push(t);
  return enc;
}

/**
 * Whether BWIPP takes this input as given: `length` digits, the last the right check digit of `basis`,
 * and an add-on of 2 or 5 digits if any (when the symbology takes one). Anything else is left to raw().
 */
function accepted(data: string, length: number, o: EncodeOptions, takesAddon: boolean, basis = (b: string) => b) {
  if (data.length !== length || !allDigits(data)) return false;
  if (gs1CheckDigit(basis(data.slice(0, -1))) !== digitAt(data, length - 1)) return false;
  if (o.addon === undefined) return true;
  return takesAddon && (o.addon.length === 2 || o.addon.length === 5) && allDigits(o.addon);
}

/** EAN-13 of 13 digits (check digit included), with an optional add-on, as raw() returns it; else undefined. */
export function encodeEan13(data: string, o: EncodeOptions): LinearEncoding | undefined {
  return accepted(data, 13, o, true) ? encodingOf(ean13(data), o) : undefined;
}

/** EAN-8 of 8 digits (check digit included) as raw() returns it; undefined with an add-on (BWIPP refuses one). */
export function encodeEan8(data: string, o: EncodeOptions): LinearEncoding | undefined {
  return accepted(data, 8, o, false) ? encodingOf(ean8(data), o) : undefined;
}

/** UPC-A of 12 digits (check digit included), with an optional add-on, as raw() returns it; else undefined. */
export function encodeUpca(data: string, o: EncodeOptions): LinearEncoding | undefined {
  return accepted(data, 12, o, true) ? encodingOf(upca(data), o) : undefined;
}

/**
 * UPC-E of 8 digits: number system 0 or 1, six digits and the check digit of the expanded UPC-A, with an
 * optional add-on, as raw() returns it; else undefined.
 */
export function encodeUpce(data: string, o: EncodeOptions): LinearEncoding | undefined {
  if (data[0] !== '0' && data[0] !== '1') return undefined;
  return accepted(data, 8, o, true, expandUpce) ? encodingOf(upce(data), o) : undefined;
}
