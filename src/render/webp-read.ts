// The verifier's WebP reader: Google's libwebp, compiled to WebAssembly (npm @jsquash/webp, the Squoosh
// codec). It is the decoder libvips uses, called without libvips' pipeline, which costs more per small
// image than the decode itself (docs/decisions/verification-reads.md). No I/O: the caller loads the wasm
// bytes once per process.
import { onWhite } from '../domain/colour.ts';
import webpDecoder from '@jsquash/webp/codec/dec/webp_dec.js';

/** RGBA pixels. */
export type RgbaImage = { data: Uint8ClampedArray; width: number; height: number };

type WebpModule = { decode(data: Uint8Array): RgbaImage | null };
type ModuleFactory = (overrides: { wasmBinary: ArrayBuffer; noInitialRun: boolean }) => Promise<WebpModule>;

let webp: WebpModule | undefined;

/**
 * The largest image libwebp decodes here; larger ones are left to libvips. It bounds the module's heap, which
 * WebAssembly memory never gives back once grown (our two-colour WebPs stay in its initial 16 MB; a photo-like
 * one at the cap grows it to about 30 MB): a poster-sized WebP would otherwise keep a worker's memory up for good.
 */
export const WEBP_READ_MAX_PX = 2 ** 21;

/** Loads libwebp from the given wasm bytes (never from a URL). Idempotent per process. */
export async function prepareWebpReader(wasmBinary: ArrayBuffer): Promise<void> {
  webp ??= await (webpDecoder as unknown as ModuleFactory)({ wasmBinary, noInitialRun: true });
}

/**
 * The pixels of WebP bytes as libwebp decodes them, alpha as it is; undefined before prepareWebpReader, or
 * when libwebp cannot decode them. A reader of a few pixels composites those (pixelOnWhite), not all.
 */
export function decodeWebp(bytes: Uint8Array): RgbaImage | undefined {
  const size = webpSize(bytes);
  if (!webp || !size || size.width * size.height > WEBP_READ_MAX_PX) return undefined;
  try {
    return webp.decode(bytes) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Channel c (0 red, 1 green, 2 blue) of pixel p (its index times four) composited on white. */
export const pixelOnWhite = (data: Uint8ClampedArray, p: number, c: number) => onWhite(data[p + c]!, data[p + 3]!);

/** Decoded WebP pixels composited on white in place (as a label shows them), opaque. */
export function onWhiteImage(image: RgbaImage): RgbaImage {
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) {
    const alpha = data[i]!;
    if (alpha === 255) continue;
    for (let c = i - 3; c < i; c++) data[c] = onWhite(data[c]!, alpha);
    data[i] = 255;
  }
  return image;
}

/** The pixels of WebP bytes composited on white, opaque (decodeWebp, then onWhiteImage). */
export function readWebp(bytes: Uint8Array): RgbaImage | undefined {
  const image = decodeWebp(bytes);
  return image && onWhiteImage(image);
}

const fourCc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

/** A WebP's canvas size from its first chunk's header (lossless, lossy or extended), before decoding it. */
export function webpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 30 || fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WEBP') return undefined;
  const chunk = fourCc(bytes, 12);
  const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
  if (chunk === 'VP8L' && bytes[20] === 0x2f) {
    const bits = u24(21) | (bytes[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
  if (chunk === 'VP8 ')
    return { width: (bytes[26]! | (bytes[27]! << 8)) & 0x3fff, height: (bytes[28]! | (bytes[29]! << 8)) & 0x3fff };
  return undefined;
}
