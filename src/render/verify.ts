// Verification: decode the delivered bytes with zxing-wasm and compare text, symbology and GS1 elements
// with the request. Raster formats are decoded as delivered; SVG is rasterized by sharp (librsvg); PDF and
// EPS are read back from their own painting operators into SVG and rasterized the same way, so what is
// checked is the delivered file's drawing. No I/O here: the caller loads the wasm bytes once per process.
import sharp, { type Sharp } from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import type { ReaderOptions, ReadInputBarcodeFormat } from 'zxing-wasm/reader';
import { parseElementString } from '../domain/gs1.ts';
import type { RenderSpec } from '../domain/render-spec.ts';
import { expandUpce, gs1CheckDigit } from '../domain/render-spec.ts';
import type { SymbologyId } from '../domain/symbologies.ts';
import { epsToDrawing } from './eps.ts';
import type { ModuleGrid } from './index.ts';
import { readPng } from './png-read.ts';
import { pdfToDrawing } from './pdf.ts';
import { drawingToSvg } from './vector.ts';

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

/** Loads the zxing reader from the given wasm bytes (never from a CDN). Idempotent per process. */
export async function prepareDecoder(wasmBinary: ArrayBuffer): Promise<void> {
  await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
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

// A plain matrix PNG read at its module centres, two pixels per module: what a pure-image reader samples
// anyway, at a sixteenth of the pixels (QR at the default 8 px/module). The pixels are the delivered
// file's, decoded; a module drawn off its grid reads wrong and falls through to the full-image read.
export function moduleCentres(png: Buffer, grid: ModuleGrid): Pixels | undefined {
  const gray = grid.scale < 2 ? undefined : readPng(png);
  if (!gray) return undefined;
  const { scale } = grid;
  const ox = grid.left % scale;
  const oy = grid.top % scale;
  const cols = Math.floor((gray.width - ox) / scale);
  const rows = Math.floor((gray.height - oy) / scale);
  const width = cols * 2;
  const data = new Uint8ClampedArray(width * rows * 2 * 4);
  // One RGBA word per pixel (grey, opaque: the same word on either byte order), each module written twice
  // across and its row copied once down.
  const words = new Uint32Array(data.buffer);
  for (let r = 0; r < rows; r++) {
    const y = oy + Math.floor((r + 0.5) * scale);
    const row = 2 * r * width;
    for (let c = 0; c < cols; c++) {
      const v = gray.luminance(ox + Math.floor((c + 0.5) * scale), y);
      const word = (0xff000000 | (v << 16) | (v << 8) | v) >>> 0;
      words[row + 2 * c] = word;
      words[row + 2 * c + 1] = word;
    }
    words.copyWithin(row + width, row, row + width);
  }
  return { data, width, height: rows * 2 };
}

// zxing's own image reader (stb_image in the wasm) takes PNG and JPEG bytes as they are: a quarter of the
// cost of decoding them through sharp, which is what keeps verification under the render's own cost.
const READ_AS_DELIVERED = new Set(['image/png', 'image/jpeg']);

/** Decodes delivered bytes: PNG/JPEG straight into the reader in pure-image mode, anything else (or a miss) rasterized first. */
export async function decodeDelivered(
  bytes: Buffer,
  contentType: string,
  formats: ReadInputBarcodeFormat[],
  hri: boolean,
  dpi?: number,
  grid?: ModuleGrid,
): Promise<Decoded[]> {
  const sampled = grid && contentType === 'image/png' ? moduleCentres(bytes, grid) : undefined;
  if (sampled) {
    const [pure] = attempts(formats);
    const found = (
      await readBarcodes(sampled as Parameters<typeof readBarcodes>[0], { ...pure, textMode: hri ? 'HRI' : 'Plain' })
    ).filter((r) => r.isValid);
    if (found.length > 0) return found.map((r) => ({ text: r.text, format: r.format, gs1: r.contentType === 'GS1' }));
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
  if (!found) return 'no barcode could be decoded from the rendered image';
  const gs1 = GS1_SYMBOLOGIES.has(spec.symbology);
  if (gs1 && !found.gs1) return `decoded ${found.format} is not marked GS1 (FNC1 lost): "${found.text}"`;
  if (acceptedTexts(spec.symbology, spec.data).includes(found.text)) return undefined;
  if (gs1) {
    const want = parseElementString(spec.data);
    const got = parseElementString(found.text);
    if (want.ok && got.ok) {
      const diff = want.elements.find((e, i) => got.elements[i]?.ai !== e.ai || got.elements[i]?.value !== e.value);
      if (diff)
        return `GS1 element (${diff.ai}) decoded as "${got.elements.find((g) => g.ai === diff.ai)?.value ?? 'missing'}", expected "${diff.value}"`;
    }
  }
  return `decoded text "${found.text.slice(0, 80)}" differs from the requested data`;
}

/** Decodes the delivered bytes and compares them with the spec. */
export async function verifyRender(
  spec: RenderSpec,
  rendered: { bytes: Buffer; contentType: string; grid?: ModuleGrid },
  decoder: string,
): Promise<Verification> {
  const gs1 = GS1_SYMBOLOGIES.has(spec.symbology);
  const found = (
    await decodeDelivered(
      rendered.bytes,
      rendered.contentType,
      ZXING_FORMATS[spec.symbology],
      gs1,
      spec.options.dpi,
      rendered.grid,
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
