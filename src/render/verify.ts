// Verification: decode the delivered bytes with zxing-wasm and compare text, symbology and GS1 elements
// with the request. What zxing is shown is always derived from the delivered bytes, never from the
// renderer's own bitmap: a PNG is read by our PNG reader, a PDF/EPS/SVG by reading its drawing back, WebP
// by libwebp, JPEG by zxing's own decoder (or libvips, to turn or frame it). The renderer may say where to look (a matrix's module grid, the rows that cross
// a linear symbol's bars); a wrong hint reads wrong and falls through to decoding the whole image.
// No I/O here: the caller loads the wasm bytes once per process.
import sharp, { type Sharp } from 'sharp';
import { readBarcodes } from 'zxing-wasm/reader';
import type { ReaderOptions, ReadInputBarcodeFormat } from 'zxing-wasm/reader';
import { luma } from '../domain/colour.ts';
import { parseElementString } from '../domain/gs1.ts';
import type { RenderSpec } from '../domain/render-spec.ts';
import { expandUpce, gs1CheckDigit } from '../domain/render-spec.ts';
import { getSymbology, type SymbologyId } from '../domain/symbologies.ts';
import { readPng } from './png-read.ts';
import type { ModuleGrid, Scan, Stride } from './read-hints.ts';
import {
  centreSamples,
  Delivered,
  pngCentres,
  scannedLines,
  stridedSamples,
  framedGrey,
  stridedOf,
  turnedGrey,
  wholeGrey,
  type GreyImage,
} from './reduced-reads.ts';
import { luminanceOf } from './scanline.ts';
import { drawingToSvg, placedMarks } from './vector.ts';
import { onWhiteImage } from './webp-read.ts';
import { decodeGrey, type Decoded } from './zxing.ts';

/** What the code object shows under `verification`. */
export type Verification = {
  verified: boolean;
  decoder: string;
  decoded_text: string | null;
  symbology: string | null;
  checked_at: string;
  message?: string;
};
export type { Decoded } from './zxing.ts';
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
  // Our Code 39 is the standard one: read as Full ASCII, $O, %Z, /A... would each be one character.
  code39: ['Code39Std'],
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

// Where the lines cross the band: one through its middle (a pure-image reader needs one line of a clean
// render), or three a quarter, a half and three quarters in (what is read when the one line did not).
const MIDDLE = [1 / 2];
const THREE = [1 / 4, 1 / 2, 3 / 4];

/**
 * Pixels of a delivered image (its WebP or read-back drawing shared with the verification's other reads);
 * vector formats are rasterized at their pixel size (or at dpi when sized in mm).
 */
export async function rasterize(d: Delivered, dpi = 72): Promise<Pixels> {
  const { bytes, contentType } = d;
  const webp = d.webp();
  if (webp) return onWhiteImage(webp);
  let image: Sharp;
  const drawing = contentType.startsWith('image/svg') ? undefined : d.drawing();
  if (drawing) {
    // Marks placed at full precision, as the file's reader places them: written as SVG uses, their
    // transforms and outlines would be rounded apart.
    image = sharp(Buffer.from(drawingToSvg(placedMarks(drawing))), { density: 72 });
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

/** A plain matrix PNG at its module centres as RGBA pixels (what readBarcodes takes). */
export function moduleCentres(png: Buffer, grid: ModuleGrid): Pixels | undefined {
  const pixels = readPng(png);
  const g = pixels && pngCentres(pixels, grid);
  if (!g) return undefined;
  const data = new Uint8ClampedArray(g.grey.length * 4);
  for (let i = 0; i < g.grey.length; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = g.grey[i]!;
    data[i * 4 + 3] = 255;
  }
  return { data, width: g.width, height: g.height };
}

// FixedThreshold for an image of exactly two grey levels either side of it (a clean render of two colours
// that contrast), the adaptive binarizer for anything else.
function binarizerFor(image: GreyImage): 'FixedThreshold' | 'LocalAverage' {
  const { grey } = image;
  const first = grey[0] ?? 0;
  let other = -1;
  for (let i = 1; i < grey.length; i++) {
    const v = grey[i]!;
    if (v === first) continue;
    if (other < 0) other = v;
    else if (v !== other) return 'LocalAverage';
  }
  return other >= 0 && Math.min(first, other) <= 127 && Math.max(first, other) > 127
    ? 'FixedThreshold'
    : 'LocalAverage';
}

function decodeReduced(
  image: GreyImage | undefined,
  formats: ReadInputBarcodeFormat[],
  hri: boolean,
  addOn = false,
): Decoded[] {
  if (!image) return [];
  return decodeGrey(image.grey, image.width, image.height, formats, hri, binarizerFor(image), addOn) ?? [];
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
  const d = new Delivered(bytes, contentType);
  if (stride) {
    const found = decodeReduced(stridedSamples(d, stride), formats, hri);
    if (found.length > 0) return found;
  }
  // DataBar Omnidirectional's reader pairs its halves across rows: it never settles on one line. A JPEG
  // goes to zxing's own decoder below, which reads it whole for less than libvips takes to decode it.
  const tries = formats.includes('DataBar') ? [THREE] : [MIDDLE, THREE];
  for (const at of scan && contentType !== 'image/jpeg' ? tries : []) {
    const found = decodeReduced(await scannedLines(d, scan!, at), formats, hri);
    if (found.length > 0) return found;
  }
  if (grid) {
    const found = decodeReduced(await centreSamples(d, grid), formats, hri);
    if (found.length > 0) return found;
  }
  if (contentType === 'image/png' && !grid && !scan && !stride) {
    const image = d.png();
    const found = decodeReduced(image && wholeGrey(image), formats, hri);
    if (found.length > 0) return found;
  }
  if (READ_AS_DELIVERED.has(contentType)) {
    const found = await readAsDelivered(bytes, formats, hri);
    if (found.length > 0) return found;
  }
  return decodePixels(await rasterize(d, dpi), formats, hri);
}

// PNG or JPEG bytes read whole by zxing's own image decoder, in pure-image mode.
async function readAsDelivered(
  bytes: Buffer,
  formats: ReadInputBarcodeFormat[],
  hri: boolean,
  addOn = false,
): Promise<Decoded[]> {
  const [pure] = attempts(formats);
  const results = await readBarcodes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    ...pure,
    textMode: hri ? 'HRI' : 'Plain',
    ...(addOn ? { eanAddOnSymbol: 'Require' as const } : {}),
  });
  return results
    .filter((r) => r.isValid)
    .map((r) => ({ text: r.text, format: r.format, gs1: r.contentType === 'GS1' }));
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
// spec): across the bars' band, which every format of a linear symbol has (a JPEG read whole by zxing's own
// decoder instead), then the whole image. A symbol whose add-on is missing or unreadable reads as nothing,
// never as its main part alone.
async function decodeWithAddOn(
  bytes: Buffer,
  contentType: string,
  formats: ReadInputBarcodeFormat[],
  _hri: boolean,
  dpi?: number,
  _grid?: ModuleGrid,
  scan?: Scan,
): Promise<Decoded[]> {
  const d = new Delivered(bytes, contentType);
  if (contentType === 'image/jpeg') {
    const found = await readAsDelivered(bytes, formats, false, true);
    if (found.length > 0) return found;
  } else
    for (const at of scan ? [MIDDLE, THREE] : []) {
      const found = decodeReduced(await scannedLines(d, scan!, at), formats, false, true);
      if (found.length > 0) return found;
    }
  const pixels = await rasterize(d, dpi);
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

// The delivered pixels as whoever scans the label sees them, read in pure-image mode: turned back upright
// when the spec turned them (zxing's MaxiCode reader samples the hexagon grid as it lies and its general
// detector does not take MaxiCode; Data Matrix with no quiet zone or one pixel a module is read upright
// only), and inside a quiet zone of the background when the spec asked for margin 0 (the caller's layout
// gives the symbol its quiet zone; a reader needs one). Every n-th pixel first when the renderer gave
// the stride (MaxiCode), then all of them.
function decodeAsScanned(spec: RenderSpec): typeof decodeDelivered {
  const { rotate, margin, background } = spec.options;
  return async (bytes, contentType, formats, hri, dpi, _grid, _scan, stride) => {
    const png = contentType === 'image/png' ? readPng(bytes) : undefined;
    const delivered = png ? wholeGrey(png) : greyOf(await rasterize(new Delivered(bytes, contentType), dpi));
    // Tried in turn, each made only if the one before did not read: most turned symbols read as they lie.
    let turned: GreyImage | undefined;
    const upright = () =>
      rotate === 0 ? delivered : (turned ??= turnedGrey(delivered, (360 - rotate) as 90 | 180 | 270));
    const images: (() => GreyImage)[] = [];
    if (rotate !== 0 && spec.symbology !== 'maxicode') images.push(() => delivered);
    if (stride) images.push(() => stridedOf(upright(), stride));
    images.push(upright);
    if (margin === 0) images.push(() => framedGrey(upright(), luminanceOf(background)));
    for (const image of images) {
      const found = decodeReduced(image(), formats, hri);
      if (found.length > 0) return found;
    }
    return [];
  };
}

// Luminance of pixels flattened on white, weighted as the PNG reader and luminanceOf weigh it.
function greyOf({ data, width, height }: Pixels): GreyImage {
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = luma(data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!);
  return { grey, width, height };
}

// A turned symbol, or one asked for without a margin, that the read as delivered misses is read as scanned.
// A turned 2D symbol is read as scanned first: the renderer gives it no grid, so the read as delivered would
// go to the general detector (ten times a pure read), and a MaxiCode only reads upright.
function decoderFor(spec: RenderSpec): typeof decodeDelivered {
  const { rotate, addon, margin } = spec.options;
  if (addon !== undefined) return decodeWithAddOn;
  if (rotate === 0 && margin !== 0) return decodeDelivered;
  const scanned = decodeAsScanned(spec);
  if (spec.symbology === 'maxicode' && rotate !== 0) return scanned;
  const [first, then] =
    rotate !== 0 && getSymbology(spec.symbology).kind === '2d'
      ? [scanned, decodeDelivered]
      : [decodeDelivered, scanned];
  return async (...args) => {
    const found = await first(...args);
    return found.length > 0 ? found : then(...args);
  };
}

/** Decodes the delivered bytes and compares them with the spec. */
export async function verifyRender(
  spec: RenderSpec,
  rendered: { bytes: Buffer; contentType: string; grid?: ModuleGrid; scan?: Scan; stride?: Stride },
  decoder: string,
): Promise<Verification> {
  const gs1 = GS1_SYMBOLOGIES.has(spec.symbology);
  const found = (
    await decoderFor(spec)(
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
