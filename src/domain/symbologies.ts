// The symbology catalog: every barcode type the service renders, its engine, data rule, options and
// defaults. Pure data plus one describe function; render-spec.ts and render/ read it.

export const SYMBOLOGY_IDS = [
  'qrcode',
  'microqrcode',
  'rectangularmicroqrcode',
  'gs1qrcode',
  'datamatrix',
  'gs1datamatrix',
  'pdf417',
  'azteccode',
  'maxicode',
  'code128',
  'gs1-128',
  'code39',
  'code93',
  'ean13',
  'ean8',
  'upca',
  'upce',
  'itf14',
  'interleaved2of5',
  'codabar',
  'databaromni',
  'databarexpanded',
] as const;
export type SymbologyId = (typeof SYMBOLOGY_IDS)[number];

/** Every render option the API knows, by body field name. */
export const OPTION_IDS = [
  'scale',
  'size',
  'margin',
  'ecc',
  'version',
  'mask',
  'foreground',
  'background',
  'include_text',
  'rotate',
  'bar_height',
  'dpi',
  'x_dim_mm',
  'verify',
  'module_style',
  'finder_style',
  'logo',
  'logo_size',
  'addon',
] as const;
export type OptionId = (typeof OPTION_IDS)[number];

/** qrcode: the qrcode package draws the matrix; bwip-matrix: bwip-js encodes, we draw the matrix; bwip: bwip-js draws. */
export type Engine = 'qrcode' | 'bwip-matrix' | 'bwip';

/** How the check digit is handled: gs1-mod10 on the whole data (EAN/UPC/ITF-14), on the (01) GTIN (GS1 element strings), or none. */
export type CheckDigitRule = 'none' | 'gs1-mod10' | 'gtin-element';

/** Data rule in machine form; `pattern` is a regular expression source the whole data must match. */
export type DataRule = {
  description: string;
  charset: string;
  pattern: string;
  minLength: number;
  /** Cheap upper bound in characters; the encoder's capacity (checked in preflight) may be lower for byte data. */
  maxLength: number;
  /** Capacity by character class where the symbol's capacity depends on it. */
  capacity?: { numeric: number; alphanumeric?: number; bytes: number };
  /** Exact digit counts accepted for fixed-length symbols (the shorter one has its check digit computed). */
  lengths?: readonly number[];
  checkDigit: CheckDigitRule;
  /** Sample valid data, used by docs and tests. */
  example: string;
};

export type Symbology = {
  id: SymbologyId;
  name: string;
  kind: 'linear' | '2d';
  engine: Engine;
  /** bwip-js encoder name (bcid). */
  bcid: string;
  data: DataRule;
  /** Options this symbology accepts besides the universal ones (scale, size, margin, colours, rotate). */
  extraOptions: readonly OptionId[];
  /** Quiet zone in modules, the spec's minimum (or the customary value where the spec sets none). */
  quietZone: number;
  defaultScale: number;
  /** Bar height in modules for linear symbols. */
  defaultBarHeight?: number;
  /** Allowed `ecc` levels (qrcode family). */
  eccLevels?: readonly string[];
  maxVersion?: number;
  /**
   * Its specification allows light modules on a dark ground (reversed reflectance), and zxing reads them
   * so. The others are dark on light only: linear symbols, PDF417 and MaxiCode.
   */
  lightOnDark?: true;
};

export const UNIVERSAL_OPTIONS: readonly OptionId[] = [
  'scale',
  'size',
  'margin',
  'foreground',
  'background',
  'rotate',
  'dpi',
  'x_dim_mm',
  'verify',
];
const LINEAR_OPTIONS: readonly OptionId[] = ['include_text', 'bar_height'];
// GS1 permits the EAN-2/EAN-5 add-on on EAN-13, UPC-A and UPC-E; not on EAN-8 (BWIPP refuses it as non-standard).
const ADDON_OPTIONS: readonly OptionId[] = [...LINEAR_OPTIONS, 'addon'];
const QR_OPTIONS: readonly OptionId[] = ['ecc', 'version', 'mask'];
// Styling is drawn for the plain QR Code only: its finder patterns and ECC budget are what the styles rely on.
const STYLED_QR_OPTIONS: readonly OptionId[] = [...QR_OPTIONS, 'module_style', 'finder_style', 'logo', 'logo_size'];

const ADDON_TEXT =
  '. A 2- or 5-digit add-on (EAN-2/EAN-5: an issue number, a book price) goes in the addon field, not in data.';
const LATIN1 = '^[\\x20-\\x7e\\xa0-\\xff\\n\\r\\t]+$';
const ANY = '^[\\s\\S]+$';
const GS1 = '^(\\(\\d{2,4}\\)[^()]+)+$';
const GS1_TEXT =
  'GS1 element string: (AI)value pairs, e.g. (01)09506000134352(10)ABC123; [AI] accepted too. A 13-digit (01) GTIN gets its check digit appended; a wrong one is rejected.';

function linear(
  id: SymbologyId,
  name: string,
  bcid: string,
  data: DataRule,
  barHeight = 50,
  scale = 2,
  quietZone = 10,
  extraOptions = LINEAR_OPTIONS,
): Symbology {
  return {
    id,
    name,
    kind: 'linear',
    engine: 'bwip',
    bcid,
    data,
    extraOptions,
    quietZone,
    defaultScale: scale,
    defaultBarHeight: barHeight,
  };
}

function digits(n: number, example: string, what: string): DataRule {
  return {
    description: `${n} digits including the check digit, or ${n - 1} digits (the check digit is computed)${what}`,
    charset: 'digits 0-9',
    pattern: `^\\d{${n - 1},${n}}$`,
    minLength: n - 1,
    maxLength: n,
    lengths: [n - 1, n],
    checkDigit: 'gs1-mod10',
    example,
  };
}

const CATALOG: readonly Symbology[] = [
  {
    id: 'qrcode',
    name: 'QR Code',
    kind: '2d',
    lightOnDark: true,
    engine: 'qrcode',
    bcid: 'qrcode',
    extraOptions: STYLED_QR_OPTIONS,
    quietZone: 4,
    defaultScale: 8,
    eccLevels: ['L', 'M', 'Q', 'H'],
    maxVersion: 40,
    data: {
      description:
        'Any text (UTF-8). Capacity at version 40-L: 7089 digits, 4296 alphanumerics or 2953 bytes; less at higher ECC.',
      charset: 'any Unicode text',
      pattern: ANY,
      minLength: 1,
      maxLength: 7089,
      capacity: { numeric: 7089, alphanumeric: 4296, bytes: 2953 },
      checkDigit: 'none',
      example: 'https://example.com/',
    },
  },
  {
    id: 'microqrcode',
    name: 'Micro QR Code',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'microqrcode',
    extraOptions: ['ecc'],
    quietZone: 2,
    defaultScale: 8,
    eccLevels: ['L', 'M', 'Q'],
    data: {
      description: 'Short Latin-1 text. Capacity (M4-L): 35 digits, 21 alphanumerics or 15 bytes.',
      charset: 'Latin-1',
      pattern: LATIN1,
      minLength: 1,
      maxLength: 35,
      capacity: { numeric: 35, alphanumeric: 21, bytes: 15 },
      checkDigit: 'none',
      example: 'HELLO12',
    },
  },
  {
    id: 'rectangularmicroqrcode',
    name: 'rMQR Code',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'rectangularmicroqrcode',
    extraOptions: ['ecc'],
    quietZone: 2,
    defaultScale: 6,
    eccLevels: ['M', 'H'],
    data: {
      description:
        'Latin-1 text. Capacity (R17x139-M): 361 digits, 219 alphanumerics or 150 bytes. The smallest version that fits is chosen.',
      charset: 'Latin-1',
      pattern: LATIN1,
      minLength: 1,
      maxLength: 361,
      capacity: { numeric: 361, alphanumeric: 219, bytes: 150 },
      checkDigit: 'none',
      example: 'HELLO WORLD',
    },
  },
  {
    id: 'gs1qrcode',
    name: 'GS1 QR Code',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'gs1qrcode',
    extraOptions: QR_OPTIONS,
    quietZone: 4,
    defaultScale: 8,
    eccLevels: ['L', 'M', 'Q', 'H'],
    maxVersion: 40,
    data: {
      description: GS1_TEXT,
      charset: 'GS1 AI syntax',
      pattern: GS1,
      minLength: 4,
      maxLength: 2000,
      checkDigit: 'gtin-element',
      example: '(01)09506000134352(10)ABC123',
    },
  },
  {
    id: 'datamatrix',
    name: 'Data Matrix',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'datamatrix',
    extraOptions: [],
    quietZone: 1,
    defaultScale: 8,
    data: {
      description: 'Latin-1 text. Capacity (144x144): 3116 digits, 2335 alphanumerics or 1556 bytes.',
      charset: 'Latin-1',
      pattern: LATIN1,
      minLength: 1,
      maxLength: 3116,
      capacity: { numeric: 3116, alphanumeric: 2335, bytes: 1556 },
      checkDigit: 'none',
      example: 'Hello Data Matrix',
    },
  },
  {
    id: 'gs1datamatrix',
    name: 'GS1 DataMatrix',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'gs1datamatrix',
    extraOptions: [],
    quietZone: 1,
    defaultScale: 8,
    data: {
      description: GS1_TEXT,
      charset: 'GS1 AI syntax',
      pattern: GS1,
      minLength: 4,
      maxLength: 2000,
      checkDigit: 'gtin-element',
      example: '(01)09506000134352(17)251231(10)ABC123',
    },
  },
  {
    id: 'pdf417',
    name: 'PDF417',
    kind: '2d',
    engine: 'bwip-matrix',
    bcid: 'pdf417',
    extraOptions: [],
    quietZone: 2,
    defaultScale: 3,
    data: {
      description: 'Latin-1 text. Capacity: 2710 digits, 1850 text characters or 1108 bytes.',
      charset: 'Latin-1',
      pattern: LATIN1,
      minLength: 1,
      maxLength: 2710,
      capacity: { numeric: 2710, alphanumeric: 1850, bytes: 1108 },
      checkDigit: 'none',
      example: 'Hello PDF417',
    },
  },
  {
    id: 'azteccode',
    name: 'Aztec Code',
    kind: '2d',
    lightOnDark: true,
    engine: 'bwip-matrix',
    bcid: 'azteccode',
    extraOptions: [],
    quietZone: 1,
    defaultScale: 6,
    data: {
      description:
        'Latin-1 text. Capacity: 3832 digits, 3067 letters or 1914 bytes. No quiet zone is required; one module is kept.',
      charset: 'Latin-1',
      pattern: LATIN1,
      minLength: 1,
      maxLength: 3832,
      capacity: { numeric: 3832, alphanumeric: 3067, bytes: 1914 },
      checkDigit: 'none',
      example: 'Hello Aztec',
    },
  },
  {
    id: 'maxicode',
    name: 'MaxiCode',
    kind: '2d',
    engine: 'bwip',
    bcid: 'maxicode',
    extraOptions: [],
    quietZone: 1,
    defaultScale: 3,
    data: {
      description: 'Mode 4 (standard symbol): printable ASCII, at most 93 characters (138 digits).',
      charset: 'printable ASCII',
      pattern: '^[\\x20-\\x7e]+$',
      minLength: 1,
      maxLength: 138,
      capacity: { numeric: 138, alphanumeric: 93, bytes: 93 },
      checkDigit: 'none',
      example: 'Hello MaxiCode',
    },
  },
  linear('code128', 'Code 128', 'code128', {
    description: 'Printable ASCII, at most 80 characters.',
    charset: 'printable ASCII',
    pattern: '^[\\x20-\\x7e]+$',
    minLength: 1,
    maxLength: 80,
    checkDigit: 'none',
    example: 'ABC-12345',
  }),
  linear('gs1-128', 'GS1-128', 'gs1-128', {
    description: `${GS1_TEXT} At most 48 data characters.`,
    charset: 'GS1 AI syntax',
    pattern: GS1,
    minLength: 4,
    maxLength: 80,
    checkDigit: 'gtin-element',
    example: '(01)09506000134352(10)ABC123',
  }),
  linear('code39', 'Code 39', 'code39', {
    description: 'Uppercase A-Z, digits, space and - . $ / + %, at most 80 characters.',
    charset: 'A-Z 0-9 space - . $ / + %',
    pattern: '^[0-9A-Z \\-.$/+%]+$',
    minLength: 1,
    maxLength: 80,
    checkDigit: 'none',
    example: 'CODE 39',
  }),
  linear('code93', 'Code 93', 'code93ext', {
    description: 'Full ASCII (lowercase and symbols use shift pairs), at most 80 characters.',
    charset: 'ASCII',
    pattern: '^[\\x20-\\x7e]+$',
    minLength: 1,
    maxLength: 80,
    checkDigit: 'none',
    example: 'Code-93',
  }),
  linear('ean13', 'EAN-13', 'ean13', digits(13, '4006381333931', ADDON_TEXT), 77, 3, 11, ADDON_OPTIONS),
  linear('ean8', 'EAN-8', 'ean8', digits(8, '96385074', '.'), 77, 3, 7),
  linear('upca', 'UPC-A', 'upca', digits(12, '036000291452', ADDON_TEXT), 77, 3, 11, ADDON_OPTIONS),
  linear(
    'upce',
    'UPC-E',
    'upce',
    {
      ...digits(
        8,
        '01234565',
        `; the first digit (number system) is 0 or 1, the check digit is that of the expanded UPC-A${ADDON_TEXT}`,
      ),
      pattern: '^[01]\\d{6,7}$',
    },
    77,
    3,
    9,
    ADDON_OPTIONS,
  ),
  linear('itf14', 'ITF-14', 'itf14', digits(14, '15400141288763', '.'), 36, 3, 10),
  linear('interleaved2of5', 'Interleaved 2 of 5', 'interleaved2of5', {
    description: 'An even number of digits, at most 80.',
    charset: 'digits 0-9',
    pattern: '^(\\d\\d)+$',
    minLength: 2,
    maxLength: 80,
    checkDigit: 'none',
    example: '1234567890',
  }),
  linear('codabar', 'Codabar', 'rationalizedCodabar', {
    description:
      'Start character A-D, at least two of the digits and - $ : / . +, stop character A-D; at most 60 characters (readers take no shorter).',
    charset: '0-9 - $ : / . + with start/stop A-D',
    pattern: '^[A-D][0-9\\-$:/.+]{2,}[A-D]$',
    minLength: 4,
    maxLength: 60,
    checkDigit: 'none',
    example: 'A40156B',
  }),
  linear(
    'databaromni',
    'GS1 DataBar Omnidirectional',
    'databaromni',
    {
      description: 'A GTIN-14: 14 digits, or 13 (the check digit is computed), optionally prefixed (01).',
      charset: 'digits 0-9',
      pattern: '^(\\(01\\)|\\[01\\])?\\d{13,14}$',
      minLength: 13,
      maxLength: 18,
      lengths: [13, 14],
      checkDigit: 'gtin-element',
      example: '(01)09506000134352',
    },
    33,
    3,
    1,
  ),
  linear(
    'databarexpanded',
    'GS1 DataBar Expanded',
    'databarexpanded',
    {
      description: `${GS1_TEXT} At most 74 digits or 41 letters.`,
      charset: 'GS1 AI syntax',
      pattern: GS1,
      minLength: 4,
      maxLength: 80,
      checkDigit: 'gtin-element',
      example: '(01)09506000134352(10)ABC123',
    },
    34,
    3,
    1,
  ),
];

const BY_ID = new Map(CATALOG.map((s) => [s.id, s]));

/** The catalog entry of a symbology. */
export function getSymbology(id: SymbologyId): Symbology {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`unknown symbology ${id}`);
  return found;
}

/** Options a symbology accepts. */
export function optionsFor(s: Symbology): readonly OptionId[] {
  return [...UNIVERSAL_OPTIONS, ...s.extraOptions];
}

/** Customary human-readable text default. */
export function defaultIncludeText(s: Symbology): boolean {
  return s.kind === 'linear' && !s.id.startsWith('databar');
}

export const SCALE_BOUNDS = { min: 1, max: 50 } as const;
export const SIZE_BOUNDS = { min: 16, max: 4096 } as const;
export const MARGIN_BOUNDS = { min: 0, max: 64 } as const;
export const BAR_HEIGHT_BOUNDS = { min: 5, max: 500 } as const;
export const MAX_IMAGE_PX = 4096;
export const ROTATIONS = [0, 90, 180, 270] as const;
export const DPI_BOUNDS = { min: 72, max: 2400 } as const;
export const X_DIM_BOUNDS = { min: 0.05, max: 5 } as const;
export const MODULE_STYLES = ['square', 'rounded', 'dots'] as const;
export const FINDER_STYLES = ['square', 'rounded', 'dot'] as const;
/** Logo width as a fraction of the symbol width (without quiet zone): at 0.3 it covers 9% of the modules, within ECC H's ~30%. */
export const LOGO_SIZE_BOUNDS = { min: 0.1, max: 0.3 } as const;
export const LOGO_MAX_BYTES = 256 * 1024;
/** An EAN/UPC add-on: EAN-2 or EAN-5, digits only (leading zeros count, so it is a string). */
export const ADDON_PATTERN = '^(\\d{2}|\\d{5})$';

/** How GET /v1/symbologies describes one option (the console builds its form controls from it). */
export type OptionDescription = {
  type: string;
  description: string;
  default?: unknown;
  min?: number;
  max?: number;
  values?: readonly unknown[];
  pattern?: string;
};

function describeOption(s: Symbology, id: OptionId): OptionDescription {
  switch (id) {
    case 'scale':
      return {
        type: 'integer',
        ...SCALE_BOUNDS,
        default: s.defaultScale,
        description: 'Pixels per module. Ignored when size is given.',
      };
    case 'size':
      return {
        type: 'integer',
        ...SIZE_BOUNDS,
        description:
          'Target image width in pixels (of the unrotated symbol), instead of scale: the largest whole pixels-per-module that fits; leftover pixels widen the quiet zone (exact for matrix symbols, within one module for bwip-drawn ones).',
      };
    case 'margin':
      return {
        type: 'integer',
        ...MARGIN_BOUNDS,
        default: s.quietZone,
        description: 'Quiet zone on every side, in modules.',
      };
    case 'ecc':
      return {
        type: 'string',
        values: s.eccLevels ?? [],
        default: s.eccLevels?.includes('M') ? 'M' : s.eccLevels?.[0],
        description: 'Error correction level.',
      };
    case 'version':
      return {
        type: 'integer',
        min: 1,
        max: s.maxVersion ?? 40,
        description: 'Symbol version; the smallest that fits when omitted. Too small for the data is an error.',
      };
    case 'mask':
      return { type: 'integer', min: 0, max: 7, description: 'Mask pattern; chosen by penalty score when omitted.' };
    case 'foreground':
      return { type: 'string', default: '#000000', description: 'Bar/module colour, #rgb or #rrggbb.' };
    case 'background':
      return { type: 'string', default: '#ffffff', description: 'Opaque background colour, #rgb or #rrggbb.' };
    case 'include_text':
      return {
        type: 'boolean',
        default: defaultIncludeText(s),
        description: 'Print the human-readable text under the bars.',
      };
    case 'rotate':
      return { type: 'integer', values: ROTATIONS, default: 0, description: 'Clockwise rotation in degrees.' };
    case 'bar_height':
      return {
        type: 'integer',
        ...BAR_HEIGHT_BOUNDS,
        default: s.defaultBarHeight,
        description: 'Bar height in modules (one module = one scale unit).',
      };
    case 'dpi':
      return {
        type: 'integer',
        ...DPI_BOUNDS,
        description:
          'Device resolution: written as PNG pHYs / JPEG density, maps pixels to points in PDF/EPS, and turns x_dim_mm into whole dots.',
      };
    case 'x_dim_mm':
      return {
        type: 'number',
        ...X_DIM_BOUNDS,
        description:
          'Module (narrow bar) width in millimetres, instead of scale or size; snapped to whole dots at dpi (default 300). The result reports the x-dimension used.',
      };
    case 'verify':
      return {
        type: 'boolean',
        description:
          'Decode the delivered bytes and fail the code unless they read back as requested. Default from the plan; always on for styled codes.',
      };
    case 'module_style':
      return { type: 'string', values: MODULE_STYLES, default: 'square', description: 'Shape of the data modules.' };
    case 'finder_style':
      return {
        type: 'string',
        values: FINDER_STYLES,
        default: 'square',
        description: 'Shape of the three finder patterns.',
      };
    case 'logo':
      return {
        type: 'string',
        description: `PNG, JPEG or SVG image, base64 (or a data: URI), at most ${LOGO_MAX_BYTES / 1024} KiB, drawn in the centre; raises ECC to H. Not in pdf/eps.`,
      };
    case 'logo_size':
      return {
        type: 'number',
        ...LOGO_SIZE_BOUNDS,
        default: 0.2,
        description: 'Logo width as a fraction of the symbol width, kept within the ECC H budget.',
      };
    case 'addon':
      return {
        type: 'string',
        pattern: ADDON_PATTERN,
        description:
          'EAN-2 or EAN-5 add-on (supplement): 2 or 5 digits, drawn right of the main symbol, shorter bars with its digits above; verification reads it too.',
      };
  }
}

export type SymbologyDescription = {
  id: SymbologyId;
  name: string;
  kind: 'linear' | '2d';
  engine: Engine;
  data: Omit<DataRule, 'pattern'> & { pattern: string };
  options: Record<string, OptionDescription>;
  quiet_zone: number;
  /** Whether a foreground lighter than the background is taken (else a 422 on `foreground`). */
  light_on_dark: boolean;
};

/** JSON-serializable catalog for GET /v1/symbologies. */
export function describeSymbologies(): SymbologyDescription[] {
  return CATALOG.map((s) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    engine: s.engine,
    data: { ...s.data },
    options: Object.fromEntries(optionsFor(s).map((o) => [o, describeOption(s, o)])),
    quiet_zone: s.quietZone,
    light_on_dark: s.lightOnDark === true,
  }));
}
