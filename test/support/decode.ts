import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import type { ReaderOptions } from 'zxing-wasm/reader';

/** One symbol found in an image. */
export type Decoded = { text: string; format: string };

const require = createRequire(import.meta.url);
let ready: Promise<unknown> | undefined;

// Load the wasm from the installed package: the reader must never fetch it from a CDN.
function prepare(): Promise<unknown> {
  ready ??= prepareZXingModule({
    overrides: { wasmBinary: toArrayBuffer(readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))) },
    fireImmediately: true,
  });
  return ready;
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

// Plain first; then isPure (helps MaxiCode and synthetic images); then tryHarder with GS1 text as HRI.
const ATTEMPTS: ReaderOptions[] = [
  { tryHarder: true, maxNumberOfSymbols: 4 },
  { isPure: true, tryHarder: true },
  { tryHarder: true, tryDownscale: true, downscaleThreshold: 300 },
];

/** Decodes every barcode in a PNG or SVG image (SVG is rasterized with sharp, flattened on white). */
export async function decode(bytes: Buffer, contentType: string): Promise<Decoded[]> {
  await prepare();
  const image = contentType.startsWith('image/svg')
    ? sharp(bytes, { density: 144 }).flatten({ background: '#ffffff' })
    : sharp(bytes).flatten({ background: '#ffffff' });
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const imageData = { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  for (const options of ATTEMPTS) {
    const results = await readBarcodes(imageData, { ...options, textMode: 'HRI' });
    const found = results.filter((r) => r.isValid).map((r) => ({ text: r.text, format: r.format }));
    if (found.length > 0) return found;
  }
  return [];
}
