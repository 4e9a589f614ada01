// Request normalization: a flat JSON body in, a fully defaulted RenderSpec or dotted-path issues out.
import * as v from 'valibot';
import { FORMATS } from './formats.ts';
import type { Format } from './formats.ts';
import { BAR_HEIGHT_BOUNDS, MARGIN_BOUNDS, OPTION_IDS, ROTATIONS, SCALE_BOUNDS, SIZE_BOUNDS, SYMBOLOGY_IDS, defaultIncludeText, getSymbology, optionsFor } from './symbologies.ts';
import type { OptionId, Symbology, SymbologyId } from './symbologies.ts';

export type EccLevel = 'L' | 'M' | 'Q' | 'H';
export type Rotation = (typeof ROTATIONS)[number];

/** Normalized options; a key is absent when it does not apply to the symbology or means "automatic" (version, mask). */
export type RenderOptions = {
  /** Pixels per module; absent when `size` is given. */
  scale?: number;
  size?: number;
  margin: number;
  ecc?: EccLevel;
  version?: number;
  mask?: number;
  foreground: string;
  background: string;
  include_text?: boolean;
  rotate: Rotation;
  bar_height?: number;
};

export type RenderSpec = { symbology: SymbologyId; data: string; format: Format; options: RenderOptions };
export type Issue = { path: string; message: string };
export type NormalizeResult = { ok: true; spec: RenderSpec } | { ok: false; issues: Issue[] };

/** Every top-level body field normalizeRenderSpec reads. */
export const RENDER_FIELDS: readonly string[] = ['symbology', 'data', 'format', ...OPTION_IDS];

const int = (min: number, max: number) =>
  v.pipe(v.number('must be an integer'), v.integer('must be an integer'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
const colour = v.pipe(v.string('must be a hex colour like #1a2b3c'), v.regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1a2b3c or #abc'));

const OPTION_SCHEMAS: Record<OptionId, v.GenericSchema> = {
  scale: int(SCALE_BOUNDS.min, SCALE_BOUNDS.max),
  size: int(SIZE_BOUNDS.min, SIZE_BOUNDS.max),
  margin: int(MARGIN_BOUNDS.min, MARGIN_BOUNDS.max),
  ecc: v.pipe(v.string('must be one of L, M, Q, H'), v.toUpperCase(), v.picklist(['L', 'M', 'Q', 'H'], 'must be one of L, M, Q, H')),
  version: int(1, 40),
  mask: int(0, 7),
  foreground: colour,
  background: colour,
  include_text: v.boolean('must be true or false'),
  rotate: v.picklist(ROTATIONS, 'must be 0, 90, 180 or 270'),
  bar_height: int(BAR_HEIGHT_BOUNDS.min, BAR_HEIGHT_BOUNDS.max),
};

const symbologySchema = v.picklist(SYMBOLOGY_IDS, `must be one of ${SYMBOLOGY_IDS.join(', ')}`);
const formatSchema = v.picklist(FORMATS, `must be one of ${FORMATS.join(', ')}`);
const dataSchema = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));

function check<T>(schema: v.GenericSchema<unknown, T>, value: unknown, path: string, issues: Issue[]): T | undefined {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  issues.push({ path, message: result.issues[0]?.message ?? 'is invalid' });
  return undefined;
}

function expandColour(c: string): string {
  const hex = c.toLowerCase();
  return hex.length === 4 ? `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}` : hex;
}

/** Validates and normalizes a flat request body into a RenderSpec. Never throws on bad input. */
export function normalizeRenderSpec(input: Record<string, unknown>): NormalizeResult {
  const issues: Issue[] = [];
  const present = (k: string) => input[k] !== undefined && input[k] !== null;
  const symbology = present('symbology') ? check(symbologySchema, input.symbology, 'symbology', issues) : 'qrcode';
  const format = present('format') ? check(formatSchema, input.format, 'format', issues) : 'png';
  let data = check(dataSchema, input.data, 'data', issues);
  if (symbology === undefined) return { ok: false, issues };
  const sym = getSymbology(symbology);
  if (data !== undefined) {
    const normalized = normalizeData(sym, data);
    if (normalized.ok) data = normalized.value;
    else issues.push({ path: 'data', message: normalized.message });
  }
  const allowed = new Set(optionsFor(sym));
  const given: Partial<Record<OptionId, unknown>> = {};
  for (const id of OPTION_IDS) {
    if (!present(id)) continue;
    if (!allowed.has(id)) {
      issues.push({ path: id, message: `does not apply to ${sym.id}` });
      continue;
    }
    const value = check(OPTION_SCHEMAS[id], input[id], id, issues);
    if (value !== undefined) given[id] = value;
  }
  if (present('scale') && present('size')) issues.push({ path: 'size', message: 'give either scale or size, not both' });
  const ecc = given.ecc as EccLevel | undefined;
  if (ecc !== undefined && sym.eccLevels && !sym.eccLevels.includes(ecc)) issues.push({ path: 'ecc', message: `must be one of ${sym.eccLevels.join(', ')} for ${sym.id}` });
  const options = buildOptions(sym, given);
  if (options.foreground === options.background) issues.push({ path: 'foreground', message: 'foreground and background must differ' });
  if (issues.length > 0 || data === undefined || format === undefined) return { ok: false, issues };
  return { ok: true, spec: { symbology, data, format, options } };
}

function buildOptions(sym: Symbology, given: Partial<Record<OptionId, unknown>>): RenderOptions {
  const options: RenderOptions = {
    margin: (given.margin as number | undefined) ?? sym.quietZone,
    foreground: expandColour((given.foreground as string | undefined) ?? '#000000'),
    background: expandColour((given.background as string | undefined) ?? '#ffffff'),
    rotate: (given.rotate as Rotation | undefined) ?? 0,
  };
  if (given.size !== undefined) options.size = given.size as number;
  else options.scale = (given.scale as number | undefined) ?? sym.defaultScale;
  if (sym.eccLevels) options.ecc = (given.ecc as EccLevel | undefined) ?? (sym.eccLevels.includes('M') ? 'M' : 'L');
  if (given.version !== undefined) options.version = given.version as number;
  if (given.mask !== undefined) options.mask = given.mask as number;
  if (sym.kind === 'linear') {
    options.include_text = (given.include_text as boolean | undefined) ?? defaultIncludeText(sym);
    options.bar_height = (given.bar_height as number | undefined) ?? sym.defaultBarHeight ?? 50;
  }
  return options;
}

function firstBadChar(data: string, allowed: RegExp): { ch: string; at: number } | undefined {
  for (let i = 0; i < data.length; i++) {
    const ch = data[i] ?? '';
    if (!allowed.test(ch)) return { ch, at: i + 1 };
  }
  return undefined;
}

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${ch}'`;
}

/** Per-symbology data rule: charset, length, check digits; returns the normalized data. */
export function normalizeData(sym: Symbology, data: string): CheckOutcome {
  const rule = sym.data;
  switch (sym.id) {
    case 'ean13': case 'ean8': case 'upca': case 'itf14': {
      if (!/^\d+$/.test(data)) return { ok: false, message: `${sym.name} takes digits only` };
      return completeCheckDigit(data, rule.maxLength, sym.name);
    }
    case 'upce': {
      if (!/^\d+$/.test(data)) return { ok: false, message: 'UPC-E takes digits only' };
      if (data[0] !== '0' && data[0] !== '1') return { ok: false, message: 'UPC-E must start with number system 0 or 1' };
      return completeCheckDigit(data, 8, 'UPC-E', expandUpce);
    }
    case 'databaromni': {
      const digits = data.replace(/^(\(01\)|\[01\])/, '');
      if (!/^\d+$/.test(digits)) return { ok: false, message: 'DataBar Omnidirectional takes a GTIN: 13 or 14 digits, optionally prefixed (01)' };
      const checked = completeCheckDigit(digits, 14, 'GTIN (01)');
      return checked.ok ? { ok: true, value: `(01)${checked.value}` } : checked;
    }
    case 'gs1qrcode': case 'gs1datamatrix': case 'gs1-128': case 'databarexpanded': {
      const checked = normalizeElementString(data);
      if (checked.ok && checked.value.length > rule.maxLength) return tooLong(sym, checked.value.length);
      return checked;
    }
    case 'codabar': {
      const upper = data.replace(/^[a-d]|[a-d]$/g, (c) => c.toUpperCase());
      if (!/^[A-D]/.test(upper) || !/[A-D]$/.test(upper) || upper.length < 2) return { ok: false, message: 'Codabar data must start and end with a start/stop character A, B, C or D' };
      return checkCharset(sym, upper, /^[0-9\-$:/.+]$/, upper.slice(1, -1), 1);
    }
    case 'code39':
      if (/[a-z]/.test(data)) return { ok: false, message: 'Code 39 takes uppercase letters only; use code93 or code128 for lowercase' };
      return checkCharset(sym, data, /^[0-9A-Z \-.$/+%]$/);
    case 'interleaved2of5':
      if (!/^\d+$/.test(data)) return { ok: false, message: 'Interleaved 2 of 5 takes digits only' };
      if (data.length % 2 === 1) return { ok: false, message: `Interleaved 2 of 5 takes an even number of digits; got ${data.length} (add a leading 0)` };
      return checkLength(sym, data);
    case 'qrcode':
      return checkLength(sym, data);
    default: {
      const charRule = rule.charset === 'Latin-1' ? /^[\x20-\x7e\xa0-\xff\n\r\t]$/ : /^[\x20-\x7e]$/;
      return checkCharset(sym, data, charRule);
    }
  }
}

function checkCharset(sym: Symbology, full: string, allowed: RegExp, part = full, offset = 0): CheckOutcome {
  const bad = firstBadChar(part, allowed);
  if (bad) return { ok: false, message: `character ${describeChar(bad.ch)} at position ${bad.at + offset} is not allowed in ${sym.name} (allowed: ${sym.data.charset})` };
  return checkLength(sym, full);
}

function checkLength(sym: Symbology, data: string): CheckOutcome {
  if (data.length > sym.data.maxLength) return tooLong(sym, data.length);
  if (data.length < sym.data.minLength) return { ok: false, message: `${sym.name} needs at least ${sym.data.minLength} characters; got ${data.length}` };
  return { ok: true, value: data };
}

function tooLong(sym: Symbology, length: number): CheckOutcome {
  return { ok: false, message: `data is ${length} characters; ${sym.name} holds at most ${sym.data.maxLength}` };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => [k, sortKeys(obj[k])]));
  }
  return value;
}

/** Deterministic JSON of a spec (keys sorted at every level), the input of the content hash. */
export function canonicalSpecKey(spec: RenderSpec): string {
  return JSON.stringify(sortKeys(spec));
}

// GS1 check digits and element strings: shared by EAN/UPC/ITF-14 and the GS1 symbologies.

/** GS1 mod-10 check digit of a digit string (weights 3,1,3,… from the right). */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += (digits.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

/** UPC-E (number system + 6 digits) expanded to the 11 UPC-A digits its check digit is computed on. */
export function expandUpce(nsAnd6: string): string {
  const ns = nsAnd6.slice(0, 1);
  const d = nsAnd6.slice(1, 7);
  const last = d.slice(5);
  if (last === '0' || last === '1' || last === '2') return `${ns}${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
  if (last === '3') return `${ns}${d.slice(0, 3)}00000${d.slice(3, 5)}`;
  if (last === '4') return `${ns}${d.slice(0, 4)}00000${d.slice(4, 5)}`;
  return `${ns}${d.slice(0, 5)}0000${last}`;
}

/** Result of completing or checking a check digit. */
export type CheckOutcome = { ok: true; value: string } | { ok: false; message: string };

/**
 * Appends the check digit when `value` is one digit short of `full`, verifies it when complete.
 * `basis` maps the digits before the check digit to what the check digit is computed on (UPC-E).
 */
export function completeCheckDigit(value: string, full: number, label: string, basis: (body: string) => string = (b) => b): CheckOutcome {
  if (value.length === full - 1) return { ok: true, value: value + String(gs1CheckDigit(basis(value))) };
  if (value.length !== full) return { ok: false, message: `${label} takes ${full - 1} or ${full} digits; got ${value.length}` };
  const body = value.slice(0, -1);
  const expected = gs1CheckDigit(basis(body));
  const given = value.slice(-1);
  if (String(expected) === given) return { ok: true, value };
  return { ok: false, message: `check digit ${given} is wrong for ${label} ${value}; expected ${expected}` };
}

const ELEMENT = /^[([](\d{2,4})[)\]]([^()[\]]+)/;
// GS1 General Specifications figure 7.11-1 ("character set 82") plus the digits-only AIs handled below.
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/** Parses `(01)…(10)…` or `[01]…[10]…`, completes or checks the (01)/(02) GTIN, and returns the `(AI)value` form bwip-js takes. */
export function normalizeElementString(data: string): CheckOutcome {
  let rest = data;
  let out = '';
  let first = true;
  while (rest.length > 0) {
    const m = ELEMENT.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined) {
      const where = first ? 'GS1 data must start with an application identifier such as (01)' : `cannot read a GS1 element at "${rest.slice(0, 12)}"`;
      return { ok: false, message: `${where}; expected (AI)value pairs like (01)09506000134352(10)ABC123` };
    }
    const ai = m[1];
    let value = m[2];
    if (!CSET82.test(value)) return { ok: false, message: `value of (${ai}) contains characters GS1 does not allow` };
    if (ai === '01' || ai === '02') {
      if (!/^\d+$/.test(value)) return { ok: false, message: `(${ai}) GTIN must be digits` };
      const checked = completeCheckDigit(value, 14, `GTIN (${ai})`);
      if (!checked.ok) return checked;
      value = checked.value;
    }
    out += `(${ai})${value}`;
    rest = rest.slice(m[0].length);
    first = false;
  }
  if (out === '') return { ok: false, message: 'GS1 data must contain at least one (AI)value element' };
  return { ok: true, value: out };
}
