// Test-side reading of images: the same zxing reader the workers verify with (wasm from the installed
// package, never a CDN), but searching every format so a test sees what is really there. PDF and EPS are
// drawn by independent engines (MuPDF, Ghostscript) first, never by the project's own readers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readBarcodes } from 'zxing-wasm/reader';
import { Delivered } from '../../src/render/reduced-reads.ts';
import { decodePixels, rasterize } from '../../src/render/verify.ts';
import { prepareDecoder } from '../../src/render/zxing.ts';
import { rasterizeEps, rasterizePdf } from './vector-readers.ts';

/** One symbol found in an image. */
export type Decoded = { text: string; format: string };

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;

function prepare(): Promise<void> {
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  ready ??= prepareDecoder(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  return ready;
}

/** The image a viewer shows for delivered bytes: PDF and EPS drawn by MuPDF and Ghostscript, the rest as is. */
async function viewed(bytes: Buffer, contentType: string): Promise<{ bytes: Buffer; contentType: string }> {
  if (contentType === 'application/pdf') return { bytes: rasterizePdf(bytes).png, contentType: 'image/png' };
  if (contentType === 'application/postscript')
    return { bytes: (await rasterizeEps(bytes)).png, contentType: 'image/png' };
  return { bytes, contentType };
}

/** Decodes every barcode in a delivered image of any of our formats (GS1 as "(AI)value"). */
export async function decode(bytes: Buffer, contentType: string): Promise<Decoded[]> {
  await prepare();
  const image = await viewed(bytes, contentType);
  const found = await decodePixels(await rasterize(new Delivered(image.bytes, image.contentType), 144), [], true);
  return found.map(({ text, format }) => ({ text, format }));
}

/** Decodes the EAN/UPC symbols with an add-on in a delivered image (main and add-on digits as zxing joins them). */
export async function decodeWithAddOn(bytes: Buffer, contentType: string): Promise<Decoded[]> {
  await prepare();
  const image = await viewed(bytes, contentType);
  const pixels = await rasterize(new Delivered(image.bytes, image.contentType), 144);
  const found = await readBarcodes(pixels as Parameters<typeof readBarcodes>[0], {
    formats: ['EAN13', 'UPCA', 'UPCE'],
    tryHarder: true,
    tryRotate: true,
    eanAddOnSymbol: 'Require',
  });
  return found.filter((r) => r.isValid).map(({ text, format }) => ({ text, format }));
}
