// Test-side reading of images: the same zxing reader and rasterizer the workers verify with (wasm from
// the installed package, never a CDN), but searching every format so a test sees what is really there.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodePixels, prepareDecoder, rasterize } from '../../src/render/verify.ts';

/** One symbol found in an image. */
export type Decoded = { text: string; format: string };

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;

function prepare(): Promise<void> {
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  ready ??= prepareDecoder(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  return ready;
}

/** Decodes every barcode in a delivered image of any of our formats (GS1 as "(AI)value"). */
export async function decode(bytes: Buffer, contentType: string): Promise<Decoded[]> {
  await prepare();
  const found = await decodePixels(await rasterize(bytes, contentType, 144), [], true);
  return found.map(({ text, format }) => ({ text, format }));
}
