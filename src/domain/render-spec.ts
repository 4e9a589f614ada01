// Request normalization: a flat JSON body in, a fully defaulted RenderSpec or dotted-path issues out.
import * as v from 'valibot';
import { rgbOf } from './colour.ts';
import { svgComplexityIssue, type SvgLimits } from './svg-complexity.ts';
import { FORMATS, type Format } from './formats.ts';
import { bracketed, looksLikeDigitalLink, parseElementString, validateDigitalLink } from './gs1.ts';
import { buildPayload, PAYLOAD_SYMBOLOGY } from './payloads.ts';
import { OPTION_SCHEMAS, RENDER_SCHEMAS } from './requests.ts';
import type { FieldError } from './problems.ts';
import {
  LOGO_MAX_BYTES,
  OPTION_IDS,
  ROTATIONS,
  SCALE_BOUNDS,
  SYMBOLOGY_IDS,
  defaultIncludeText,
  getSymbology,
  optionsFor,
} from './symbologies.ts';
import type { OptionId, Symbology, SymbologyId } from './symbologies.ts';

export type EccLevel = 'L' | 'M' | 'Q' | 'H';
export type Rotation = (typeof ROTATIONS)[number];

const described = <T extends v.GenericSchema>(schema: T, description: string) =>
  v.pipe(schema, v.description(description));
const normalizedColour = (description: string) =>
  v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/), v.description(`${description}, #rrggbb in lower case.`));

/**
 * Normalized options, as a code stores and shows them (the code object's `options`): what buildOptions
 * writes. A key is absent when it does not apply to the symbology or means "automatic" (version, mask).
 */
export const RENDER_OPTIONS_SCHEMA = v.object({
  scale: v.optional(
    described(
      OPTION_SCHEMAS.scale,
      'Pixels per module (the whole dots x_dim_mm was snapped to, when given); absent when size was given.',
    ),
  ),
  size: v.optional(described(OPTION_SCHEMAS.size, 'Target image width in pixels, when it was given.')),
  margin: described(OPTION_SCHEMAS.margin, 'Quiet zone in modules (the symbology spec quiet zone by default).'),
  ecc: v.optional(
    v.pipe(v.picklist(['L', 'M', 'Q', 'H']), v.description('Error correction level (H with a logo or styles).')),
  ),
  version: v.optional(described(OPTION_SCHEMAS.version, 'QR Code version, when it was given.')),
  mask: v.optional(described(OPTION_SCHEMAS.mask, 'QR Code mask pattern, when it was given.')),
  foreground: normalizedColour('Bar/module colour'),
  background: normalizedColour('Background colour'),
  include_text: v.optional(described(OPTION_SCHEMAS.include_text, 'Human-readable text under the bars (linear).')),
  rotate: described(OPTION_SCHEMAS.rotate, 'Clockwise rotation in degrees.'),
  bar_height: v.optional(described(OPTION_SCHEMAS.bar_height, 'Bar height in modules (linear).')),
  /** Device dots per inch: pHYs/density, points in PDF/EPS, physical size in the result. */
  dpi: v.optional(described(OPTION_SCHEMAS.dpi, 'Device resolution, when given (300 with x_dim_mm).')),
  /** The requested module width; `scale` holds the whole dots it was snapped to. */
  x_dim_mm: v.optional(described(OPTION_SCHEMAS.x_dim_mm, 'The module width asked for; scale holds the dots used.')),
  verify: v.optional(
    v.pipe(v.literal(true), v.description('Present when the delivered bytes are decoded before the code succeeds.')),
  ),
  module_style: v.optional(described(OPTION_SCHEMAS.module_style, 'Shape of the data modules, when not square.')),
  finder_style: v.optional(described(OPTION_SCHEMAS.finder_style, 'Shape of the finder patterns, when not square.')),
  /** Logo image, base64 (PNG, JPEG or SVG). */
  logo: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9+/=]+$/),
      v.description('The logo as given, base64 without a data: prefix or whitespace.'),
    ),
  ),
  logo_size: v.optional(described(OPTION_SCHEMAS.logo_size, 'Logo width as a fraction of the symbol width.')),
  addon: v.optional(described(OPTION_SCHEMAS.addon, 'EAN-2/EAN-5 add-on digits drawn after the main symbol.')),
});

/** Normalized options (RENDER_OPTIONS_SCHEMA's output). */
export type RenderOptions = v.InferOutput<typeof RENDER_OPTIONS_SCHEMA>;

/** What a request's defaults and limits depend on besides the body: the plan and the config. */
export type RenderPolicy = { verify: boolean; minContrast: number; logoSvg: SvgLimits };
export const DEFAULT_POLICY: RenderPolicy = {
  verify: true,
  minContrast: 3,
  logoSvg: { maxElements: 2000, maxUses: 100 },
};

export type RenderSpec = { symbology: SymbologyId; data: string; format: Format; options: RenderOptions };
export type Issue = FieldError;
export type NormalizeResult = { ok: true; spec: RenderSpec } | { ok: false; issues: Issue[] };

const OPTIONS: Record<OptionId, v.GenericSchema> = OPTION_SCHEMAS;
const symbologySchema = RENDER_SCHEMAS.symbology;
const formatSchema = RENDER_SCHEMAS.format;
const dataSchema = RENDER_SCHEMAS.data;

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
export function normalizeRenderSpec(
  input: Record<string, unknown>,
  policy: RenderPolicy = DEFAULT_POLICY,
): NormalizeResult {
  const issues: Issue[] = [];
  const present = (k: string) => input[k] !== undefined && input[k] !== null;
  const symbology = present('symbology') ? check(symbologySchema, input.symbology, 'symbology', issues) : 'qrcode';
  const format = present('format') ? check(formatSchema, input.format, 'format', issues) : 'png';
  let data: string | undefined;
  if (present('payload')) {
    if (present('data')) issues.push({ path: 'payload', message: 'give either data or payload, not both' });
    else if (symbology !== undefined && symbology !== PAYLOAD_SYMBOLOGY)
      issues.push({ path: 'payload', message: 'payload builders make QR Code data; use symbology qrcode' });
    else {
      const built = buildPayload(input.payload);
      if (built.ok) data = built.data;
      else issues.push(...built.issues);
    }
  } else data = check(dataSchema, input.data, 'data', issues);
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
    const value = check(OPTIONS[id], input[id], id, issues);
    if (value !== undefined) given[id] = value;
  }
  if (present('scale') && present('size'))
    issues.push({ path: 'size', message: 'give either scale or size, not both' });
  if (present('x_dim_mm') && (present('scale') || present('size')))
    issues.push({ path: 'x_dim_mm', message: 'give one of scale, size or x_dim_mm' });
  if (present('allow_low_contrast'))
    check(RENDER_SCHEMAS.allow_low_contrast, input.allow_low_contrast, 'allow_low_contrast', issues);
  const ecc = given.ecc as EccLevel | undefined;
  if (ecc !== undefined && sym.eccLevels && !sym.eccLevels.includes(ecc))
    issues.push({ path: 'ecc', message: `must be one of ${sym.eccLevels.join(', ')} for ${sym.id}` });
  const options = buildOptions(sym, given, policy);
  if (options.foreground === options.background)
    issues.push({ path: 'foreground', message: 'foreground and background must differ' });
  // Colours other than the defaults are always verified, and these would always fail it: refused here.
  else if (!sym.lightOnDark && luminance(options.foreground) > luminance(options.background))
    issues.push({
      path: 'foreground',
      message: `${sym.name} is read dark on light only, and foreground ${options.foreground} is lighter than background ${options.background}: swap them`,
    });
  else {
    const ratio = contrastRatio(options.foreground, options.background);
    if (ratio < policy.minContrast && input.allow_low_contrast !== true) {
      issues.push({
        path: 'foreground',
        message: `contrast between foreground and background is ${ratio.toFixed(2)}:1; at least ${policy.minContrast}:1 is needed to scan reliably (set allow_low_contrast to override)`,
      });
    }
  }
  if (options.addon !== undefined && options.include_text && (options.bar_height ?? 0) < ADDON_TEXT_MIN_BAR_HEIGHT)
    issues.push({
      path: 'bar_height',
      message: `with an add-on and its text, bar_height must be at least ${ADDON_TEXT_MIN_BAR_HEIGHT}: the add-on's bars stand below its digits, and shorter ones do not read (or set include_text to false)`,
    });
  if (options.x_dim_mm !== undefined && options.scale !== undefined && options.scale > SCALE_BOUNDS.max)
    issues.push({
      path: 'x_dim_mm',
      message: `x_dim_mm ${options.x_dim_mm} at ${options.dpi} dpi is ${options.scale} dots per module; at most ${SCALE_BOUNDS.max}`,
    });
  if (options.logo !== undefined) {
    const logoIssue = checkLogo(options.logo, policy.logoSvg);
    if (logoIssue) issues.push({ path: 'logo', message: logoIssue });
    if (format === 'pdf' || format === 'eps')
      issues.push({ path: 'logo', message: `logos are drawn in png, webp, jpeg and svg; not in ${format}` });
  }
  if (issues.length > 0 || data === undefined || format === undefined) return { ok: false, issues };
  return { ok: true, spec: { symbology, data, format, options } };
}

/** The shortest bars, in modules, that leave an add-on's bars readable under its digits (measured at scale 1). */
const ADDON_TEXT_MIN_BAR_HEIGHT = 13;

/** WCAG 2 relative luminance of a #rrggbb colour (0 to 1). */
function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

// The cheap checks on a logo (size, type by magic bytes); pixel limits are sharp's at render time.
function checkLogo(base64: string, svgLimits: SvgLimits): string | undefined {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > LOGO_MAX_BYTES)
    return `is ${Math.ceil(bytes.length / 1024)} KiB; at most ${LOGO_MAX_BYTES / 1024} KiB`;
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const svg = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/.test(bytes.subarray(0, 512).toString('utf8'));
  if (!png && !jpeg && !svg) return 'must be a PNG, JPEG or SVG image';
  return svg ? svgComplexityIssue(bytes.toString('utf8'), svgLimits) : undefined;
}

/** Whether the spec asks for anything beyond plain square modules in the default colours. */
export function isStyled(o: RenderOptions): boolean {
  return (
    o.logo !== undefined ||
    (o.module_style ?? 'square') !== 'square' ||
    (o.finder_style ?? 'square') !== 'square' ||
    o.foreground !== '#000000' ||
    o.background !== '#ffffff'
  );
}

function buildOptions(sym: Symbology, given: Partial<Record<OptionId, unknown>>, policy: RenderPolicy): RenderOptions {
  const options: RenderOptions = {
    margin: (given.margin as number | undefined) ?? sym.quietZone,
    foreground: expandColour((given.foreground as string | undefined) ?? '#000000'),
    background: expandColour((given.background as string | undefined) ?? '#ffffff'),
    rotate: (given.rotate as Rotation | undefined) ?? 0,
  };
  if (given.dpi !== undefined) options.dpi = given.dpi as number;
  if (given.size !== undefined) options.size = given.size as number;
  else if (given.x_dim_mm !== undefined) {
    // Snap the module to whole device dots: a printer cannot place 3.9 dots.
    options.dpi ??= 300;
    options.x_dim_mm = given.x_dim_mm as number;
    options.scale = Math.max(1, Math.round((options.x_dim_mm * options.dpi) / 25.4));
  } else options.scale = (given.scale as number | undefined) ?? sym.defaultScale;
  if (sym.eccLevels) options.ecc = (given.ecc as EccLevel | undefined) ?? (sym.eccLevels.includes('M') ? 'M' : 'L');
  if (given.version !== undefined) options.version = given.version as number;
  if (given.mask !== undefined) options.mask = given.mask as number;
  if (sym.kind === 'linear') {
    options.include_text = (given.include_text as boolean | undefined) ?? defaultIncludeText(sym);
    options.bar_height = (given.bar_height as number | undefined) ?? sym.defaultBarHeight ?? 50;
    if (given.addon !== undefined) options.addon = given.addon as string;
  }
  if (given.module_style !== undefined && given.module_style !== 'square')
    options.module_style = given.module_style as RenderOptions['module_style'];
  if (given.finder_style !== undefined && given.finder_style !== 'square')
    options.finder_style = given.finder_style as RenderOptions['finder_style'];
  if (given.logo !== undefined) {
    options.logo = (given.logo as string).replace(/\s+/g, '');
    options.logo_size = (given.logo_size as number | undefined) ?? 0.2;
    options.ecc = 'H'; // the logo hides modules: only H restores them
  }
  const styled = isStyled(options);
  if (
    styled &&
    options.ecc !== undefined &&
    sym.id === 'qrcode' &&
    (options.module_style !== undefined || options.finder_style !== undefined)
  )
    options.ecc = 'H';
  // Styled codes are always verified: they are the ones that look fine and do not scan.
  const verify = styled ? true : ((given.verify as boolean | undefined) ?? policy.verify);
  if (verify) options.verify = true;
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
    case 'ean13':
    case 'ean8':
    case 'upca':
    case 'itf14': {
      if (!/^\d+$/.test(data)) return { ok: false, message: digitsOnly(sym, data) };
      return completeCheckDigit(data, rule.maxLength, sym.name);
    }
    case 'upce': {
      if (!/^\d+$/.test(data)) return { ok: false, message: digitsOnly(sym, data) };
      if (data[0] !== '0' && data[0] !== '1')
        return { ok: false, message: 'UPC-E must start with number system 0 or 1' };
      return completeCheckDigit(data, 8, 'UPC-E', expandUpce);
    }
    case 'databaromni': {
      const digits = data.replace(/^(\(01\)|\[01\])/, '');
      if (!/^\d+$/.test(digits))
        return {
          ok: false,
          message: 'DataBar Omnidirectional takes a GTIN: 13 or 14 digits, optionally prefixed (01)',
        };
      const checked = completeCheckDigit(digits, 14, 'GTIN (01)');
      return checked.ok ? { ok: true, value: `(01)${checked.value}` } : checked;
    }
    case 'gs1qrcode':
    case 'gs1datamatrix':
    case 'gs1-128':
    case 'databarexpanded': {
      const checked = normalizeElementString(data);
      if (checked.ok && checked.value.length > rule.maxLength) return tooLong(sym, checked.value.length);
      return checked;
    }
    case 'qrcode':
      if (looksLikeDigitalLink(data)) {
        const link = validateDigitalLink(data);
        if (!link.ok) return { ok: false, message: `GS1 Digital Link: ${link.message}` };
      }
      return checkLength(sym, data);
    case 'codabar': {
      const upper = data.replace(/^[a-d]|[a-d]$/g, (c) => c.toUpperCase());
      if (!/^[A-D]/.test(upper) || !/[A-D]$/.test(upper) || upper.length < 2)
        return { ok: false, message: 'Codabar data must start and end with a start/stop character A, B, C or D' };
      return checkCharset(sym, upper, /^[0-9\-$:/.+]$/, upper.slice(1, -1), 1);
    }
    case 'code39':
      if (/[a-z]/.test(data))
        return { ok: false, message: 'Code 39 takes uppercase letters only; use code93 or code128 for lowercase' };
      return checkCharset(sym, data, /^[0-9A-Z \-.$/+%]$/);
    case 'interleaved2of5':
      if (!/^\d+$/.test(data)) return { ok: false, message: 'Interleaved 2 of 5 takes digits only' };
      if (data.length % 2 === 1)
        return {
          ok: false,
          message: `Interleaved 2 of 5 takes an even number of digits; got ${data.length} (add a leading 0)`,
        };
      return checkLength(sym, data);
    default: {
      const charRule = rule.charset === 'Latin-1' ? /^[\x20-\x7e\xa0-\xff\n\r\t]$/ : /^[\x20-\x7e]$/;
      return checkCharset(sym, data, charRule);
    }
  }
}

// BWIPP (and many label tools) take an add-on after a space in the data; here it is its own field.
function digitsOnly(sym: Symbology, data: string): string {
  const addOn = sym.extraOptions.includes('addon') && /^\d+[ +]\d+$/.test(data);
  return `${sym.name} takes digits only${addOn ? '; give a 2- or 5-digit add-on in the addon field' : ''}`;
}

function checkCharset(sym: Symbology, full: string, allowed: RegExp, part = full, offset = 0): CheckOutcome {
  const bad = firstBadChar(part, allowed);
  if (bad)
    return {
      ok: false,
      message: `character ${describeChar(bad.ch)} at position ${bad.at + offset} is not allowed in ${sym.name} (allowed: ${sym.data.charset})`,
    };
  return checkLength(sym, full);
}

function checkLength(sym: Symbology, data: string): CheckOutcome {
  if (data.length > sym.data.maxLength) return tooLong(sym, data.length);
  if (data.length < sym.data.minLength)
    return { ok: false, message: `${sym.name} needs at least ${sym.data.minLength} characters; got ${data.length}` };
  return { ok: true, value: data };
}

function tooLong(sym: Symbology, length: number): CheckOutcome {
  return { ok: false, message: `data is ${length} characters; ${sym.name} holds at most ${sym.data.maxLength}` };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined)
        .map((k) => [k, sortKeys(obj[k])]),
    );
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
export function completeCheckDigit(
  value: string,
  full: number,
  label: string,
  basis: (body: string) => string = (b) => b,
): CheckOutcome {
  if (value.length === full - 1) return { ok: true, value: value + String(gs1CheckDigit(basis(value))) };
  if (value.length !== full)
    return { ok: false, message: `${label} takes ${full - 1} or ${full} digits; got ${value.length}` };
  const body = value.slice(0, -1);
  const expected = gs1CheckDigit(basis(body));
  const given = value.slice(-1);
  if (String(expected) === given) return { ok: true, value };
  return { ok: false, message: `check digit ${given} is wrong for ${label} ${value}; expected ${expected}` };
}

/** Parses `(01)…`, `[01]…` or raw FNC1/GS element strings, validates every AI, and returns the `(AI)value` form bwip-js takes. */
export function normalizeElementString(data: string): CheckOutcome {
  const parsed = parseElementString(data);
  return parsed.ok ? { ok: true, value: bracketed(parsed.elements) } : { ok: false, message: parsed.message };
}

/**
 * A stored code's parameters as the RenderSpec they were normalized to (codes rows hold what
 * normalizeRenderSpec wrote); the one place a row becomes a spec. Throws on a row no release wrote.
 */
export function specOfStored(row: { symbology: string; data: string; format: string; options: object }): RenderSpec {
  const symbology = SYMBOLOGY_IDS.find((id) => id === row.symbology);
  const format = FORMATS.find((f) => f === row.format);
  if (symbology === undefined || format === undefined)
    throw new Error(`stored code has an unknown symbology or format: ${row.symbology}/${row.format}`);
  return { symbology, data: row.data, format, options: row.options as RenderOptions };
}
