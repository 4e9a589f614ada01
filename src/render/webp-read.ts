// The verifier's WebP reader: Google's libwebp, compiled to WebAssembly (npm @jsquash/webp, the Squoosh
// codec). It is the decoder libvips uses, called without libvips' pipeline, which costs more per small
// image than the decode itself (docs/decisions/verification-readers.md). No I/O: the caller loads the wasm
// bytes once per process.
import webpDecoder from '@jsquash/webp/codec/dec/webp_dec.js';

/** RGBA pixels. */
export type RgbaImage = { data: Uint8ClampedArray; width: number; height: number };

type WebpModule = { decode(data: Uint8Array): RgbaImage | null };
type ModuleFactory = (overrides: { wasmBinary: ArrayBuffer; noInitialRun: boolean }) => Promise<WebpModule>;

let webp: WebpModule | undefined;

/** Loads libwebp from the given wasm bytes (never from a URL). Idempotent per process. */
export async function prepareWebpReader(wasmBinary: ArrayBuffer): Promise<void> {
  webp ??= await (webpDecoder as unknown as ModuleFactory)({ wasmBinary, noInitialRun: true });
}

/**
 * The pixels of WebP bytes composited on white (as a label shows them), opaque; undefined before
 * prepareWebpReader, or when libwebp cannot decode them.
 */
export function readWebp(bytes: Uint8Array): RgbaImage | undefined {
  if (!webp) return undefined;
  let image: RgbaImage | null;
  try {
    image = webp.decode(bytes);
  } catch {
    return undefined;
  }
  if (!image) return undefined;
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) {
    const alpha = data[i]!;
    if (alpha === 255) continue;
    for (let c = i - 3; c < i; c++) data[c] = 255 - (((255 - data[c]!) * alpha) >> 8);
    data[i] = 255;
  }
  return image;
}
