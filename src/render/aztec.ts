// Aztec Code as BWIPP's azteccode encodes it with the options a render passes (full-range format, 23% + 3
// error correction, layers chosen): the same mode choices, the same symbol and the same modules, module for
// module. BWIPP runs its encoder in a PostScript emulation whose mode search copies every candidate
// sequence per character; here the candidates share their prefixes, so a render costs microseconds, not a
// millisecond. Where no symbol holds the data it refuses with BWIPP's words; where the input is outside what
// this port follows, encodeAztec returns undefined and the caller asks bwip-js.
// docs/decisions/aztec-encoder.md has the measurements and how equality is proven.
import type { Matrix } from './matrix.ts';

// Modes, in BWIPP's order: it iterates them in this order and keeps the first of equal costs.
const U = 0; // upper
const L = 1; // lower
const M = 2; // mixed
const P = 3; // punctuation
const D = 4; // digits
const B = 5; // binary shift
const MODES = 6;

// Codes a sequence holds besides characters (0-255).
const LU = -2;
const LL = -3;
const LM = -4;
const LP = -5;
const LD = -6;
const SU = -7;
const SP = -8;
const SB = -9;
const FL = -10;
const P2 = -11; // CR LF
const P3 = -12; // ". "
const P4 = -13; // ", "
const P5 = -14; // ": "
const NONE = -99;

const INF = 1_000_000;
/** BWIPP refuses longer messages before its search. */
const MAX_MESSAGE_BYTES = 4729;

/** The code values of each character per mode (U, L, M, P, D), by row: BWIPP's charmaps. */
const CHARMAPS: readonly (readonly (string | number)[])[] = [
  [SP, SP, SP, FL, SP],
  [32, 32, 32, 13, 32],
  ['A', 'a', 1, P2, '0'],
  ['B', 'b', 2, P3, '1'],
  ['C', 'c', 3, P4, '2'],
  ['D', 'd', 4, P5, '3'],
  ['E', 'e', 5, '!', '4'],
  ['F', 'f', 6, '"', '5'],
  ['G', 'g', 7, '#', '6'],
  ['H', 'h', 8, '$', '7'],
  ['I', 'i', 9, '%', '8'],
  ['J', 'j', 10, '&', '9'],
  ['K', 'k', 11, "'", ','],
  ['L', 'l', 12, 40, '.'],
  ['M', 'm', 13, 41, LU],
  ['N', 'n', 27, '*', SU],
  ['O', 'o', 28, '+', NONE],
  ['P', 'p', 29, ',', NONE],
  ['Q', 'q', 30, '-', NONE],
  ['R', 'r', 31, '.', NONE],
  ['S', 's', '@', '/', NONE],
  ['T', 't', 92, ':', NONE],
  ['U', 'u', '^', ';', NONE],
  ['V', 'v', '_', '<', NONE],
  ['W', 'w', '`', '=', NONE],
  ['X', 'x', '|', '>', NONE],
  ['Y', 'y', '~', '?', NONE],
  ['Z', 'z', 127, '[', NONE],
  [LL, SU, LL, ']', NONE],
  [LM, LM, LU, '{', NONE],
  [LD, LD, LP, '}', NONE],
  [SB, SB, SB, LU, NONE],
];

/** For each mode U..D, code value by character (0-255) and by special code (offset by SPECIAL_BASE). */
const SPECIAL_BASE = 256;
const specialSlot = (code: number) => SPECIAL_BASE - code; // -2 → 258 … -14 → 270
const CODE_OF: readonly Int8Array[] = Array.from({ length: 5 }, (_, mode) => {
  const codes = new Int8Array(SPECIAL_BASE + 16).fill(-1);
  CHARMAPS.forEach((row, value) => {
    const key = row[mode]!;
    const k = typeof key === 'string' ? key.charCodeAt(0) : key;
    if (k >= 0) codes[k] = value;
    else if (k !== NONE) codes[specialSlot(k)] = value;
  });
  return codes;
});

/** Bits to latch from mode x to mode y, and the codes that do it. */
const LATLEN = [
  [0, 5, 5, 10, 5, 10],
  [9, 0, 5, 10, 5, 10],
  [5, 5, 0, 5, 10, 10],
  [5, 10, 10, 0, 10, 15],
  [4, 9, 9, 14, 0, 14],
  [0, 0, 0, 0, 0, 0],
];
const LATSEQ: readonly (readonly (readonly number[])[])[] = [
  [[], [LL], [LM], [LM, LP], [LD], [SB]],
  [[LD, LU], [], [LM], [LM, LP], [LD], [SB]],
  [[LU], [LL], [], [LP], [LU, LD], [SB]],
  [[LU], [LU, LL], [LU, LM], [], [LU, LD], [LU, SB]],
  [[LU], [LU, LL], [LU, LM], [LU, LM, LP], [], [LU, SB]],
  [[LU], [LL], [LM], [], [], []],
];
/** Bits to shift from mode y (row) into mode x (column) for one character. */
const SHFTLEN = [
  [INF, INF, INF, 5, INF],
  [5, INF, INF, 5, INF],
  [INF, INF, INF, 5, INF],
  [INF, INF, INF, INF, INF],
  [4, INF, INF, 4, INF],
];
const CHARSIZE = [5, 5, 5, 5, 4, 8];

/** The pairs punctuation mode codes as one: first character × 256 + second → code. */
const PAIRS = new Map([
  [13 * 256 + 10, P2],
  [46 * 256 + 32, P3],
  [44 * 256 + 32, P4],
  [58 * 256 + 32, P5],
]);

/**
 * A candidate sequence: its last code and the sequence before it, shared with other candidates. Each node
 * also keeps what BWIPP finds by walking back, which made its search quadratic in long runs: the codes
 * since the last byte shift, and the nearest latch or byte shift at or before it.
 */
type Seq = {
  readonly code: number;
  readonly prev: Seq | null;
  readonly length: number;
  readonly sinceShift: number;
  readonly mark: Seq | null;
};
const isMark = (code: number) => code === SB || (code < 0 && code >= LD);
const push = (prev: Seq | null, code: number): Seq => {
  const node = {
    code,
    prev,
    length: (prev?.length ?? 0) + 1,
    sinceShift: code === SB ? 0 : (prev?.sinceShift ?? 0) + 1,
    mark: prev?.mark ?? null,
  };
  if (isMark(code)) node.mark = node;
  return node;
};
const pushAll = (prev: Seq | null, codes: readonly number[]): Seq | null => codes.reduce(push, prev);

/** The cheapest code sequence for the characters, as BWIPP's search finds it, and its length in bits. */
function modeSequence(chars: Uint8Array): { seq: Int16Array; bits: number } {
  let curlen = [0, INF, INF, INF, INF, INF];
  let curseq: (Seq | null)[] = [null, null, null, null, null, null];
  let backto = U;
  let lastchar = -1;
  for (const char of chars) {
    // Latches, repeated until nothing gets cheaper.
    for (let improved = true; improved;) {
      improved = false;
      for (let x = 0; x < MODES; x++) {
        for (let y = 0; y < MODES; y++) {
          if (x === B && y !== backto) continue;
          const cost = curlen[x]! + LATLEN[x]![y]!;
          if (cost < curlen[y]!) {
            curlen[y] = cost;
            curseq[y] = pushAll(curseq[x]!, LATSEQ[x]![y]!);
            if (y === B) backto = x === P || x === D ? U : x;
            improved = true;
          }
        }
      }
    }
    // The character in each mode that has it, directly or shifted into from another.
    const nxtlen = [INF, INF, INF, INF, INF, INF];
    const nxtseq: (Seq | null)[] = [null, null, null, null, null, null];
    for (let x = 0; x < MODES; x++) {
      if (x !== B && CODE_OF[x]![char]! < 0) continue;
      const cost = curlen[x]! + CHARSIZE[x]!;
      if (cost < nxtlen[x]!) {
        nxtlen[x] = cost;
        nxtseq[x] = push(curseq[x]!, char);
      }
      if (x === B) continue;
      for (let y = 0; y < B; y++) {
        if (x === y) continue;
        const shifted = curlen[y]! + SHFTLEN[y]![x]! + CHARSIZE[x]!;
        if (shifted < nxtlen[y]!) {
          nxtlen[y] = shifted;
          nxtseq[y] = push(push(curseq[y]!, x === U ? SU : SP), char);
        }
      }
    }
    const pair = lastchar < 0 ? undefined : PAIRS.get(lastchar * 256 + char);
    if (pair !== undefined) pairInPunctuation(pair, lastchar, curlen, curseq, nxtlen, nxtseq);
    // A 32nd byte in a row needs the 11-bit length.
    if (nxtseq[B]?.sinceShift === 32) nxtlen[B] = nxtlen[B]! + 11;
    curlen = nxtlen;
    curseq = nxtseq;
    lastchar = char;
  }
  let best = 0;
  for (let i = 1; i < MODES; i++) if (curlen[i]! < curlen[best]!) best = i;
  return { seq: toArray(curseq[best]!), bits: curlen[best]! };
}

// BWIPP's rule for a pair punctuation mode codes as one (CR LF, ". ", ", ", ": "): where the previous
// character was written in punctuation (latched, or shifted into from another mode), the pair's code
// replaces it and the current character costs nothing more.
function pairInPunctuation(
  pair: number,
  lastchar: number,
  curlen: number[],
  curseq: (Seq | null)[],
  nxtlen: number[],
  nxtseq: (Seq | null)[],
): void {
  for (let i = 0; i < B; i++) {
    let inP = !((i === M && lastchar === 13) || (i === D && (lastchar === 44 || lastchar === 46)));
    if (!inP || !(curlen[i]! < nxtlen[i]!)) continue;
    // Back from the end: the last occurrence of lastchar (only latches follow it), then the latch or byte
    // shift before it.
    const after: number[] = []; // codes after lastchar, last first
    let found: Seq | null = curseq[i]!;
    for (; found && found.code !== lastchar; found = found.prev) after.push(found.code);
    if (!found) continue;
    const lastsp = found.prev?.code === SP;
    const mark = found.prev?.mark ?? null;
    if (mark?.code === SB) continue;
    const lastld = i === P && mark?.code === LD;
    if (mark && i !== P && mark.code !== LP) inP = lastsp;
    if (!inP) continue;
    nxtlen[i] = curlen[i]!;
    const before = found.prev;
    if (after.length === 0) nxtseq[i] = push(before, pair);
    else if (i === P) {
      if (lastld) nxtlen[i] = nxtlen[i]! + 1;
      nxtseq[i] = push(pushAll(before, after.reverse()), pair);
    } else nxtseq[i] = pushAll(push(before, pair), after.reverse());
  }
}

function toArray(seq: Seq | null): Int16Array {
  const out = new Int16Array(seq?.length ?? 0);
  for (let node = seq; node; node = node.prev) out[node.length - 1] = node.code;
  return out;
}

/** A growing string of bits, most significant first. */
class Bits {
  bits: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bits = new Uint8Array(capacity);
  }
  /** Appends `width` bits of `value`; past the capacity only the length grows, for the caller to check. */
  add(value: number, width: number): void {
    for (let k = width - 1; k >= 0; k--) this.bits[this.length++] = (value >> k) & 1;
  }
}

/**
 * The message bits of a code sequence, what BWIPP's encoding loop writes; undefined unless every code exists
 * in its mode and they are exactly `cost` bits, the search's count (BWIPP sizes its buffer by that count and
 * refuses when it overflows).
 */
function messageBits(seq: Int16Array, cost: number): Uint8Array | undefined {
  const out = new Bits(cost);
  // A code the mode lacks (never, for a sequence the search made) fails the count below, not the render.
  let missing = false;
  const code = (mode: number, c: number) => {
    const v = CODE_OF[mode]![c >= 0 ? c : specialSlot(c)]!;
    if (v < 0) missing = true;
    return v;
  };
  let mode = U;
  for (let i = 0; i < seq.length;) {
    if (mode !== B) {
      const c = seq[i++]!;
      out.add(code(mode, c), mode === D ? 4 : 5);
      if (c === SU || c === SP) out.add(code(c === SU ? U : P, seq[i++]!), 5);
      mode = latchTarget(c) ?? mode;
      continue;
    }
    let n = 0;
    while (i + n < seq.length && seq[i + n]! >= 0 && n < 2078) n++;
    if (n <= 31) out.add(n, 5);
    else {
      out.add(0, 5);
      out.add(n - 31, 11);
    }
    for (let k = 0; k < n; k++) out.add(seq[i++]!, 8);
    if (i < seq.length) {
      const c = seq[i++]!;
      mode = c === LU ? U : c === LL ? L : c === LM ? M : mode;
    }
  }
  return out.length === cost && !missing ? out.bits : undefined;
}

function latchTarget(c: number): number | undefined {
  switch (c) {
    case LU:
      return U;
    case LL:
      return L;
    case LM:
      return M;
    case LP:
      return P;
    case LD:
      return D;
    case SB:
      return B;
    default:
      return undefined;
  }
}

/** Full-range symbols by layers (1-32): codewords and bits per codeword. */
// prettier-ignore
const FULL = [
  [21, 6], [48, 6], [60, 8], [88, 8], [120, 8], [156, 8], [196, 8], [240, 8], [230, 10], [272, 10], [316, 10],
  [364, 10], [416, 10], [470, 10], [528, 10], [588, 10], [652, 10], [720, 10], [790, 10], [864, 10], [940, 10],
  [1020, 10], [920, 12], [992, 12], [1066, 12], [1144, 12], [1224, 12], [1306, 12], [1392, 12], [1480, 12],
  [1570, 12], [1664, 12],
] as const;
const EC_PERCENT = 23;
const EC_ADD = 3;

// BWIPP's arithmetic rounds fractions to single precision.
const single = new Float32Array(1);
const asBwipp = (v: number) => ((v | 0) === v ? v : ((single[0] = v), single[0]!));
const checkCount = (ncws: number) => Math.ceil(asBwipp((ncws * EC_PERCENT) / 100 + EC_ADD));

/** Codewords of bpcw bits from the message bits, with BWIPP's bit stuffing. */
function codewords(bits: Uint8Array, bpcw: number): number[] {
  const cws: number[] = [];
  const full = (1 << bpcw) - 1;
  for (let m = 0; m < bits.length;) {
    let cw = 0;
    if (bits.length - m >= bpcw) {
      for (let k = 0; k < bpcw - 1; k++) cw = (cw << 1) | bits[m + k]!;
      const head = cw;
      cw = (cw << 1) | bits[m + bpcw - 1]!;
      if (head === 0) {
        cw = 1;
        m--;
      } else if (head === full >> 1) {
        cw = full - 1;
        m--;
      }
    } else {
      for (let k = 0; k < bpcw; k++) cw = (cw << 1) | (m + k < bits.length ? bits[m + k]! : 1);
      if (cw === full) cw--;
    }
    cws.push(cw);
    m += bpcw;
  }
  return cws;
}

/** Galois fields by bits per codeword: primitive polynomial, log and antilog tables. */
const POLY: Record<number, number> = { 4: 19, 6: 67, 8: 301, 10: 1033, 12: 4201 };
const FIELDS = new Map<number, { log: Int16Array; alog: Int16Array }>();
function field(bits: number): { log: Int16Array; alog: Int16Array } {
  let f = FIELDS.get(bits);
  if (!f) {
    const size = 1 << bits;
    const alog = new Int16Array(size);
    const log = new Int16Array(size);
    alog[0] = 1;
    for (let i = 1; i < size; i++) {
      const v = alog[i - 1]! * 2;
      alog[i] = v >= size ? v ^ POLY[bits]! : v;
    }
    for (let i = 1; i < size; i++) log[alog[i]!] = i;
    f = { log, alog };
    FIELDS.set(bits, f);
  }
  return f;
}

/** Reed–Solomon check codewords as BWIPP computes them: generator roots α^1..α^n. */
function checkWords(data: readonly number[], n: number, bits: number): number[] {
  const { log, alog } = field(bits);
  const order = (1 << bits) - 1;
  const gen = generator(n, bits);
  const lfsr = new Int32Array(n);
  for (const cw of data) {
    const t = cw ^ lfsr[0]!;
    const lt = log[t]!;
    for (let j = 0; j < n - 1; j++) {
      const c = gen[n - j - 1]!;
      lfsr[j] = lfsr[j + 1]! ^ (t === 0 || c < 0 ? 0 : alog[(c + lt) % order]!);
    }
    lfsr[n - 1] = t === 0 || gen[0]! < 0 ? 0 : alog[(gen[0]! + lt) % order]!;
  }
  return Array.from(lfsr);
}

// Generators by degree and field, as logarithms (-1 for a zero coefficient): BWIPP caches them too, and
// building one costs as much as the division for a large symbol. Kept up to GENERATORS_KEPT, then afresh.
const GENERATORS = new Map<number, Int16Array>();
const GENERATORS_KEPT = 256;
function generator(n: number, bits: number): Int16Array {
  const key = n * 16 + bits;
  let gen = GENERATORS.get(key);
  if (gen) return gen;
  const { log, alog } = field(bits);
  const order = (1 << bits) - 1;
  const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : alog[(log[a]! + log[b]!) % order]!);
  const coeffs = new Array<number>(n + 1).fill(0);
  coeffs[0] = 1;
  for (let i = 1; i <= n; i++) {
    coeffs[i] = coeffs[i - 1]!;
    for (let j = i - 1; j >= 1; j--) coeffs[j] = mul(coeffs[j]!, alog[i]!) ^ coeffs[j - 1]!;
    coeffs[0] = mul(coeffs[0]!, alog[i]!);
  }
  gen = Int16Array.from(coeffs, (c) => (c === 0 ? -1 : log[c]!));
  if (GENERATORS.size >= GENERATORS_KEPT) GENERATORS.clear();
  GENERATORS.set(key, gen);
  return gen;
}

/** Where the mode message's 40 bits go, relative to the centre. */
// prettier-ignore
const MODE_MAP = [
  [-5, 7], [-4, 7], [-3, 7], [-2, 7], [-1, 7], [1, 7], [2, 7], [3, 7], [4, 7], [5, 7], [7, 5], [7, 4], [7, 3], [7, 2],
  [7, 1], [7, -1], [7, -2], [7, -3], [7, -4], [7, -5], [5, -7], [4, -7], [3, -7], [2, -7], [1, -7], [-1, -7],
  [-2, -7], [-3, -7], [-4, -7], [-5, -7], [-7, -5], [-7, -4], [-7, -3], [-7, -2], [-7, -1], [-7, 1], [-7, 2],
  [-7, 3], [-7, 4], [-7, 5],
] as const;
/** The orientation marks around the bullseye: x, y, dark. */
// prettier-ignore
const ORIENTATION = [
  [-7, 6, 1], [-7, 7, 1], [-6, 7, 1], [7, 7, 1], [7, 6, 1], [7, -6, 1], [6, 7, 0], [7, -7, 0], [6, -7, 0],
  [-6, -7, 0], [-7, -7, 0], [-7, -6, 0],
] as const;

/** The module grid of a full-range symbol of `layers` layers holding `bits` (data then check words). */
function drawFull(layers: number, bits: Uint8Array, modeBits: Uint8Array): Matrix {
  // The data layers are laid out on a grid without reference lines, then spread over the real one.
  const fw = 12;
  const inner = fw + layers * 4 + 2;
  const innerMid = ((inner - 1) >> 1) * inner + ((inner - 1) >> 1);
  const plain = new Int8Array(inner * inner).fill(-1);
  let i = 0;
  for (let layer = 1; layer <= layers; layer++) {
    const lwid = fw + layer * 4;
    for (let pos = 0; pos < lwid * 8; pos++) {
      const half = pos >> 1;
      const side = Math.trunc(half / lwid);
      const along = half % lwid;
      const across = layer * 2 + (pos & 1);
      let x: number;
      let y: number;
      if (side === 0) {
        x = -((lwid - 1) >> 1) + 1 + along;
        y = ((fw - 1) >> 1) + across;
      } else if (side === 1) {
        x = (fw >> 1) + across;
        y = ((lwid - 1) >> 1) - 1 - along;
      } else if (side === 2) {
        x = (lwid >> 1) - 1 - along;
        y = -((fw >> 1) + across);
      } else {
        x = -(((fw - 1) >> 1) + across);
        y = -((lwid >> 1) - 1 - along);
      }
      plain[x - y * inner + innerMid] = bits[bits.length - 1 - i++]!;
    }
  }
  const size = 13 + layers * 4 + 2 + Math.trunc((layers + 10.5) / 7.5 - 1) * 2;
  const mid = (size * size) >> 1;
  const half = size >> 1;
  const at = (x: number, y: number) => x - y * size + mid;
  const cells = new Int8Array(size * size).fill(-2);
  for (let r = 0; r <= half; r += 16) {
    for (let j = 0; j < size; j++) {
      const v = (half + j + r + 1) % 2;
      cells[at(-half + j, r)] = v;
      cells[at(-half + j, -r)] = v;
      cells[at(r, -half + j)] = v;
      cells[at(-r, -half + j)] = v;
    }
  }
  for (let k = 0, j = 0; k < cells.length; k++) if (cells[k] === -2) cells[k] = plain[j++]!;
  for (let x = -6; x <= 6; x++)
    for (let y = -6; y <= 6; y++) cells[at(x, y)] = (Math.max(Math.abs(x), Math.abs(y)) + 1) % 2;
  for (const [x, y, v] of ORIENTATION) cells[at(x, y)] = v;
  MODE_MAP.forEach(([x, y], k) => (cells[at(x, y)] = modeBits[k]!));
  return { cols: size, rows: size, cells: new Uint8Array(cells.buffer) };
}

// bwip-js hands BWIPP the text as UTF-8 whenever it holds a character past ASCII.
const messageBytes = (data: string): Uint8Array =>
  /[\u0080-\u00ff]/.test(data) ? Buffer.from(data, 'utf8') : Buffer.from(data, 'latin1');

/** What encodeAztec gives: the matrix, or BWIPP's refusal when no symbol holds the data. */
export type AztecEncoding = { ok: true; matrix: Matrix } | { ok: false; message: string };

/**
 * The module matrix BWIPP's azteccode draws for `data` with default options, or its refusal when no symbol
 * is large enough; undefined where this port does not follow BWIPP (characters past Latin-1, input over
 * BWIPP's length limit) or its bits would not be the count its search made.
 */
export function encodeAztec(data: string): AztecEncoding | undefined {
  if (/[^\u0000-\u00ff]/.test(data)) return undefined;
  const chars = messageBytes(data);
  if (chars.length === 0 || chars.length > MAX_MESSAGE_BYTES) return undefined;
  const { seq, bits: cost } = modeSequence(chars);
  // The smallest symbol whose data codewords hold the bits, before stuffing, as BWIPP chooses.
  const layers = FULL.findIndex(([ncws, bpcw]) => Math.ceil(cost / bpcw) <= ncws - checkCount(ncws)) + 1;
  if (layers === 0) return { ok: false, message: 'Maximum length exceeded' };
  const [ncws, bpcw] = FULL[layers - 1]!;
  const bits = messageBits(seq, cost);
  if (!bits) return undefined;
  // Stuffing can add codewords past those: BWIPP then gives them the place of check words. A codeword
  // takes at least bpcw - 1 bits, so at most 0.77 × bpcw / (bpcw - 1) of the symbol: some are always left.
  const cws = codewords(bits, bpcw);
  const mode = (layers - 1) * 2048 + (cws.length - 1);
  const modeWords = [(mode >> 12) & 15, (mode >> 8) & 15, (mode >> 4) & 15, mode & 15];
  const modeBits = new Bits(40);
  for (const w of [...modeWords, ...checkWords(modeWords, 6, 4)]) modeBits.add(w, 4);
  const dataBits = new Bits(layers * layers * 16 + layers * 112);
  dataBits.length = dataBits.bits.length - ncws * bpcw;
  for (const w of [...cws, ...checkWords(cws, ncws - cws.length, bpcw)]) dataBits.add(w, bpcw);
  return { ok: true, matrix: drawFull(layers, dataBits.bits, modeBits.bits) };
}
