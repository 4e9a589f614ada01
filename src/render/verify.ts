// Verification: decode the delivered bytes with zxing-wasm and compare text, symbology and GS1 elements
// with the request. What zxing is shown is always derived from the delivered bytes, never from the
// renderer's own bitmap: a PNG is read by our PNG reader, a PDF/EPS/SVG by reading its drawing back, JPEG
// and WebP through libvips. The renderer may say where to look (a matrix's module grid, the rows that cross
// a linear symbol's bars); a wrong hint reads wrong and falls through to decoding the whole image.
// No I/O here: the caller loads the wasm bytes once per process.
import sharp, { type Sharp } from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import type { ReaderOptions, ReadInputBarcodeFormat, ZXingReaderModule } from 'zxing-wasm/reader';
import { parseElementString } from '../domain/gs1.ts';
import type { RenderSpec } from '../domain/render-spec.ts';
import { expandUpce, gs1CheckDigit } from '../domain/render-spec.ts';
import type { SymbologyId } from '../domain/symbologies.ts';
import { epsToDrawing } from './eps.ts';
import type { ModuleGrid, Scan, Stride } from './read-hints.ts';
import { readPng, type PngPixels } from './png-read.ts';
import { pdfToDrawing } from './pdf.ts';
import { sampleDrawing, scanDrawing } from './scanline.ts';
import { drawingToSvg, svgToDrawing, type Drawing } from './vector.ts';

/** What the code object shows under `verification`. */
export type Verification = {
  verified: boolean;
  decoder: string;
  decoded_text: string | null;
  symbology: string | null;
  checked_at: string;
  message?: string;
};
export type Decoded = { text: string; format: string; gs1: boolean };
type Pixels = { data: Uint8ClampedArray; width: number; height: number };

/** zxing formats each symbology is read as (only these are tried: faster and no false friends). */
export const ZXING_FORMATS: Record<SymbologyId, ReadInputBarcodeFormat[]> = {
  qrcode: ['QRCode'],
  microqrcode: ['MicroQRCode'],
  rectangularmicroqrcode: ['RMQRCode'],
  gs1qrcode: ['QRCode'],
  datamatrix: ['DataMatrix'],
  gs1datamatrix: ['DataMatrix'],
  pdf417: ['PDF417'],
  azteccode: ['Aztec'],
  maxicode: ['MaxiCode'],
  code128: ['Code128'],
  'gs1-128': ['Code128'],
  code39: ['Code39'],
  code93: ['Code93'],
  ean13: ['EAN13'],
  ean8: ['EAN8'],
  upca: ['UPCA'],
  upce: ['UPCE'],
  itf14: ['ITF'],
  interleaved2of5: ['ITF'],
  codabar: ['Codabar'],
  databaromni: ['DataBar'],
  databarexpanded: ['DataBarExp'],
};

const GS1_SYMBOLOGIES = new Set<SymbologyId>([
  'gs1qrcode',
  'gs1datamatrix',
  'gs1-128',
  'databaromni',
  'databarexpanded',
]);

export type { Scan } from './read-hints.ts';

// The emscripten side of the reader module, which zxing-wasm's types leave out.
type ReaderModule = ZXingReaderModule & {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
};
let zxing: ReaderModule | undefined;

/** Loads the zxing reader from the given wasm bytes (never from a CDN). Idempotent per process. */
export async function prepareDecoder(wasmBinary: ArrayBuffer): Promise<void> {
  zxing = (await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })) as ReaderModule;
}

// zxing-wasm's readBarcodes with ImageData converts RGBA to grey in JavaScript, converts the options and
// copies every field of every result; these pure-image reads hand the module grey pixels and the options
// in its own form (what readBarcodes would pass), and take only text, format and content type back.
const PURE_NATIVE = {
  tryHarder: false,
  tryRotate: false,
  tryInvert: false,
  tryDownscale: false,
  tryDenoise: false,
  isPure: true,
  binarizer: 0, // LocalAverage
  downscaleFactor: 3,
  downscaleThreshold: 500,
  minLineCount: 2,
  maxNumberOfSymbols: 1,
  validateOptionalChecksum: false,
  returnErrors: false,
  eanAddOnSymbol: 0, // Ignore
  characterSet: 0, // Unknown
  tryCode39ExtendedMode: true,
};
const GS1_CONTENT = 3; // zxing's ContentType.GS1
const REQUIRE_ADD_ON = 2; // zxing's EanAddOnSymbol.Require: a main symbol read without its add-on is no result

// The options object per format list and text mode, built once (every verification of a symbology asks the same).
const PURE_OPTIONS = new Map<string, object>();
function pureOptions(formats: readonly ReadInputBarcodeFormat[], hri: boolean, addOn: boolean): object {
  const key = `${formats.join(',')}|${hri}|${addOn}`;
  let options = PURE_OPTIONS.get(key);
  if (!options) {
    options = { ...PURE_NATIVE, formats: formats.join(','), textMode: hri ? 2 : 0 };
    PURE_OPTIONS.set(key, addOn ? (options = { ...options, eanAddOnSymbol: REQUIRE_ADD_ON }) : options);
  }
  return options;
}

/** Decodes 8-bit grey pixels in pure-image mode (an EAN/UPC add-on required when `addOn`); undefined before prepareDecoder. */
export function decodeGrey(
  grey: Uint8Array,
  width: number,
  height: number,
  formats: readonly ReadInputBarcodeFormat[],
  hri: boolean,
  addOn = false,
): Decoded[] | undefined {
  const module = zxing;
  if (!module) return undefined;
  const ptr = module._malloc(grey.length);
  if (!ptr) return undefined;
  try {
    module.HEAPU8.set(grey, ptr);
    const options = pureOptions(formats, hri, addOn);
    const results = module.readBarcodesFromPixmap(ptr, width, height, options as never);
    try {
      const found: Decoded[] = [];
      for (let i = 0; i < results.size(); i++) {
        const r = results.get(i) as unknown as { isValid: boolean; text: string; format: string; contentType: number };
        if (r.isValid) found.push({ text: r.text, format: r.format, gs1: r.contentType === GS1_CONTENT });
      }
      return found;
    } finally {
      results.delete();
    }
  } finally {
    module._free(ptr);
  }
}

// Where the lines cross the band: one through its middle (a pure-image reader needs one line of a clean
// render), or three a quarter, a half and three quarters in (what is read when the one line did not).
const MIDDLE = [1 / 2];
const THREE = [1 / 4, 1 / 2, 3 / 4];
const lineAt = (scan: Scan, at: number) => scan.from + Math.floor(Math.max(1, scan.to - scan.from) * at);

function vectorDrawing(bytes: Buffer, contentType: string): Drawing | undefined {
  if (contentType === 'application/pdf') return pdfToDrawing(bytes);
  if (contentType === 'application/postscript') return epsToDrawing(bytes);
  if (contentType.startsWith('image/svg')) return svgToDrawing(bytes.toString('utf8'));
  return undefined;
}

// A raster's grey pixels through libvips, for formats our PNG reader does not take (JPEG, WebP).
async function greyOf(bytes: Buffer): Promise<{ width: number; height: number; at(x: number, y: number): number }> {
  const { data, info } = await sharp(bytes).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({
    resolveWithObject: true,
  });
  return { width: info.width, height: info.height, at: (x, y) => data[(y * info.width + x) * info.channels]! };
}

/** The delivered image read along lines across the scan band (at fractions of it), stacked one line a row. */
export async function scannedLines(
  bytes: Buffer,
  contentType: string,
  scan: Scan,
  at: readonly number[] = THREE,
): Promise<{ grey: Uint8Array; width: number; height: number } | undefined> {
  const lines = at.map((f) => lineAt(scan, f));
  const drawing = vectorDrawing(bytes, contentType);
  if (drawing) {
    const length = scan.axis === 'row' ? drawing.width : drawing.height;
    const grey = new Uint8Array(length * lines.length);
    lines.forEach((line, k) => grey.set(scanDrawing(drawing, scan.axis, line), k * length));
    return { grey, width: length, height: lines.length };
  }
  const png = contentType === 'image/png' ? readPng(bytes) : undefined;
  if (png && scan.axis === 'row') {
    const grey = new Uint8Array(png.width * lines.length);
    lines.forEach((line, k) => grey.set(png.row(line), k * png.width));
    return { grey, width: png.width, height: lines.length };
  }
  const image = png ? pngGrey(png) : await greyOf(bytes);
  if (!image) return undefined;
  const length = scan.axis === 'row' ? image.width : image.height;
  const grey = new Uint8Array(length * lines.length);
  lines.forEach((line, k) => {
    for (let i = 0; i < length; i++) grey[k * length + i] = scan.axis === 'row' ? image.at(i, line) : image.at(line, i);
  });
  return { grey, width: length, height: lines.length };
}

// Every n-th pixel of a PNG both ways, as grey.
function stridedGrey(png: Buffer, n: number): { grey: Uint8Array; width: number; height: number } | undefined {
  const p = readPng(png);
  if (!p) return undefined;
  const [width, height] = [Math.floor(p.width / n), Math.floor(p.height / n)];
  const grey = new Uint8Array(width * height);
  const o = n >> 1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) grey[y * width + x] = p.luminance(x * n + o, y * n + o);
  return { grey, width, height };
}

// Every pixel of a PNG as grey, through our reader (what MaxiCode and other unhinted PNGs are read from).
function pngGreyImage(png: Buffer): { grey: Uint8Array; width: number; height: number } | undefined {
  const p = readPng(png);
  if (!p) return undefined;
  return { grey: p.grey(), width: p.width, height: p.height };
}

function pngGrey(p: PngPixels) {
  return { width: p.width, height: p.height, at: (x: number, y: number) => p.luminance(x, y) };
}

/** Pixels of a delivered image; vector formats are rasterized at their pixel size (or at dpi when sized in mm). */
export async function rasterize(bytes: Buffer, contentType: string, dpi = 72): Promise<Pixels> {
  let image: Sharp;
  if (contentType === 'application/pdf' || contentType === 'application/postscript') {
    const drawing = contentType === 'application/pdf' ? pdfToDrawing(bytes) : epsToDrawing(bytes);
    image = sharp(Buffer.from(drawingToSvg(drawing)), { density: 72 });
  } else if (contentType.startsWith('image/svg')) {
    image = sharp(bytes, { density: /width="[\d.]+mm"/.test(bytes.subarray(0, 400).toString('latin1')) ? dpi : 72 });
  } else image = sharp(bytes);
  const { data, info } = await image
    .flatten({ background: '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

// Pure-image mode first (our renders are pure: axis-aligned, quiet zone, no noise), then the general detector.
function attempts(formats: ReadInputBarcodeFormat[]): ReaderOptions[] {
  const base = { formats, maxNumberOfSymbols: 1, tryRotate: false, tryInvert: false, tryDownscale: false };
  return [
    { ...base, isPure: true, tryHarder: false },
    { ...base, tryHarder: true, tryRotate: true, tryInvert: true },
    { ...base, tryHarder: true, tryRotate: true, tryInvert: true, tryDownscale: true, downscaleThreshold: 300 },
  ];
}

/** Decodes an image: the expected formats only when given, else every format. */
export async function decodePixels(
  pixels: Pixels,
  formats: ReadInputBarcodeFormat[] = [],
  hri = true,
): Promise<Decoded[]> {
  for (const options of attempts(formats)) {
    const results = await readBarcodes(pixels as Parameters<typeof readBarcodes>[0], {
      ...options,
      maxNumberOfSymbols: formats.length === 0 ? 4 : 1,
      textMode: hri ? 'HRI' : 'Plain',
    });
    const found = results
      .filter((r) => r.isValid)
      .map((r) => ({ text: r.text, format: r.format, gs1: r.contentType === 'GS1' }));
    if (found.length > 0) return found;
  }
  return [];
}

// A plain matrix PNG read at its module centres, one pixel per module: what a pure-image reader samples
// anyway, at a sixty-fourth of the pixels (QR at the default 8 px/module). The pixels are the delivered
// file's, decoded; a module drawn off its grid reads wrong and falls through to the full-image read.
export function centreGrey(
  png: Buffer,
  grid: ModuleGrid,
): { grey: Uint8Array; width: number; height: number } | undefined {
  const image = grid.scale < 2 ? undefined : readPng(png);
  if (!image) return undefined;
  const { scale } = grid;
  const ox = grid.left % scale;
  const oy = grid.top % scale;
  const width = Math.floor((image.width - ox) / scale);
  const height = Math.floor((image.height - oy) / scale);
  const grey = new Uint8Array(width * height);
  const half = scale >> 1;
  for (let r = 0; r < height; r++) image.samples(oy + r * scale + half, ox + half, scale, width, grey, r * width);
  return { grey, width, height };
}

/**
 * A plain matrix in any delivered format read at its module centres, one pixel per module: PNG through our
 * reader, SVG/PDF/EPS by filling their read-back drawing at the centres, WebP and JPEG decoded by libvips.
 */
async function centreSamples(
  bytes: Buffer,
  contentType: string,
  grid: ModuleGrid,
): Promise<{ grey: Uint8Array; width: number; height: number } | undefined> {
  if (contentType === 'image/png') return centreGrey(bytes, grid);
  const { scale } = grid;
  // JPEG is read whole by zxing's own decoder below at less cost than libvips' decode.
  if (scale < 2 || contentType === 'image/jpeg') return undefined;
  const [ox, oy, half] = [grid.left % scale, grid.top % scale, scale >> 1];
  const drawing = vectorDrawing(bytes, contentType);
  if (drawing) {
    const [width, height] = [Math.floor((drawing.width - ox) / scale), Math.floor((drawing.height - oy) / scale)];
    const grey = sampleDrawing(drawing, ox + half, oy + half, scale, width, height);
    return { grey, width, height };
  }
  const image = await greyOf(bytes);
  const [width, height] = [Math.floor((image.width - ox) / scale), Math.floor((image.height - oy) / scale)];
  const grey = new Uint8Array(width * height);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) grey[r * width + c] = image.at(ox + c * scale + half, oy + r * scale + half);
  return { grey, width, height };
}

/** centreGrey as RGBA pixels (what readBarcodes takes). */
export function moduleCentres(png: Buffer, grid: ModuleGrid): Pixels | undefined {
  const g = centreGrey(png, grid);
  if (!g) return undefined;
  const data = new Uint8ClampedArray(g.grey.length * 4);
  for (let i = 0; i < g.grey.length; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = g.grey[i]!;
    data[i * 4 + 3] = 255;
  }
  return { data, width: g.width, height: g.height };
}

// zxing's own image reader (stb_image in the wasm) takes PNG and JPEG bytes as they are, cheaper than
// decoding them through sharp: the fall-through for what the reduced reads above did not settle.
const READ_AS_DELIVERED = new Set(['image/png', 'image/jpeg']);

/** Decodes delivered bytes: PNG/JPEG straight into the reader in pure-image mode, anything else (or a miss) rasterized first. */
export async function decodeDelivered(
  bytes: Buffer,
  contentType: string,
  formats: ReadInputBarcodeFormat[],
  hri: boolean,
  dpi?: number,
  grid?: ModuleGrid,
  scan?: Scan,
  stride?: Stride,
): Promise<Decoded[]> {
  const strided = stride && contentType === 'image/png' ? stridedGrey(bytes, stride) : undefined;
  if (strided) {
    const found = decodeGrey(strided.grey, strided.width, strided.height, formats, hri);
    if (found && found.length > 0) return found;
  }
  // DataBar Omnidirectional's reader pairs its halves across rows: it never settles on one line.
  const tries = formats.includes('DataBar') ? [THREE] : [MIDDLE, THREE];
  for (const at of scan ? tries : []) {
    const lines = await scannedLines(bytes, contentType, scan!, at);
    const found = lines && decodeGrey(lines.grey, lines.width, lines.height, formats, hri);
    if (found && found.length > 0) return found;
  }
  const sampled = grid && (await centreSamples(bytes, contentType, grid));
  if (sampled) {
    const found = decodeGrey(sampled.grey, sampled.width, sampled.height, formats, hri);
    if (found && found.length > 0) return found;
  }
  const whole = contentType === 'image/png' && !grid && !scan && !stride ? pngGreyImage(bytes) : undefined;
  if (whole) {
    const found = decodeGrey(whole.grey, whole.width, whole.height, formats, hri);
    if (found && found.length > 0) return found;
  }
  if (READ_AS_DELIVERED.has(contentType)) {
    const [pure] = attempts(formats);
    const results = await readBarcodes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      ...pure,
      textMode: hri ? 'HRI' : 'Plain',
    });
    const found = results
      .filter((r) => r.isValid)
      .map((r) => ({ text: r.text, format: r.format, gs1: r.contentType === 'GS1' }));
    if (found.length > 0) return found;
  }
  return decodePixels(await rasterize(bytes, contentType, dpi), formats, hri);
}

/** Texts zxing may report for the requested data (UPC-A/E come back in their EAN-13 forms too). */
export function acceptedTexts(symbology: string, data: string): string[] {
  if (symbology === 'upca') return [data, `0${data}`];
  if (symbology === 'upce') {
    const upca = expandUpce(data.slice(0, 7));
    return [data, `${upca}${gs1CheckDigit(upca)}`, `0${upca}${gs1CheckDigit(upca)}`];
  }
  return [data];
}

function compare(spec: RenderSpec, found: Decoded | undefined): string | undefined {
  const { addon } = spec.options;
  if (!found)
    return `no barcode${addon === undefined ? '' : ' with its add-on'} could be decoded from the rendered image`;
  const gs1 = GS1_SYMBOLOGIES.has(spec.symbology);
  if (gs1 && !found.gs1) return `decoded ${found.format} is not marked GS1 (FNC1 lost): "${found.text}"`;
  // zxing reports an add-on's digits right after the main symbol's.
  if (acceptedTexts(spec.symbology, spec.data).some((t) => t + (addon ?? '') === found.text)) return undefined;
  if (gs1) {
    const want = parseElementString(spec.data);
    const got = parseElementString(found.text);
    if (want.ok && got.ok) {
      const diff = want.elements.find((e, i) => got.elements[i]?.ai !== e.ai || got.elements[i]?.value !== e.value);
      if (diff)
        return `GS1 element (${diff.ai}) decoded as "${got.elements.find((g) => g.ai === diff.ai)?.value ?? 'missing'}", expected "${diff.value}"`;
    }
  }
  return `decoded text "${found.text.slice(0, 80)}" differs from the requested data${addon === undefined ? '' : ' and add-on'}`;
}

// An EAN/UPC with an add-on is read requiring it (decodeDelivered's parameters, so verifyRender picks one per
// spec): across the bars' band, which every format of a linear symbol has, then the whole image. A symbol
// whose add-on is missing or unreadable reads as nothing, never as its main part alone.
async function decodeWithAddOn(
  bytes: Buffer,
  contentType: string,
  formats: ReadInputBarcodeFormat[],
  _hri: boolean,
  dpi?: number,
  _grid?: ModuleGrid,
  scan?: Scan,
): Promise<Decoded[]> {
  for (const at of scan ? [MIDDLE, THREE] : []) {
    const lines = await scannedLines(bytes, contentType, scan!, at);
    const found = lines && decodeGrey(lines.grey, lines.width, lines.height, formats, false, true);
    if (found && found.length > 0) return found;
  }
  const pixels = await rasterize(bytes, contentType, dpi);
  const results = await readBarcodes(pixels as Parameters<typeof readBarcodes>[0], {
    formats,
    maxNumberOfSymbols: 1,
    tryHarder: true,
    tryRotate: true,
    eanAddOnSymbol: 'Require',
    textMode: 'Plain',
  });
  return results.filter((r) => r.isValid).map((r) => ({ text: r.text, format: r.format, gs1: false }));
}

/** Decodes the delivered bytes and compares them with the spec. */
export async function verifyRender(
  spec: RenderSpec,
  rendered: { bytes: Buffer; contentType: string; grid?: ModuleGrid; scan?: Scan; stride?: Stride },
  decoder: string,
): Promise<Verification> {
  const gs1 = GS1_SYMBOLOGIES.has(spec.symbology);
  const decode = spec.options.addon === undefined ? decodeDelivered : decodeWithAddOn;
  const found = (
    await decode(
      rendered.bytes,
      rendered.contentType,
      ZXING_FORMATS[spec.symbology],
      gs1,
      spec.options.dpi,
      rendered.grid,
      rendered.scan,
      rendered.stride,
    )
  )[0];
  const message = compare(spec, found);
  return {
    verified: message === undefined,
    decoder,
    decoded_text: found?.text ?? null,
    symbology: found?.format ?? null,
    checked_at: new Date().toISOString(),
    ...(message === undefined ? {} : { message }),
  };
}
