// The verifier's zxing-wasm reader, called at its module interface for pure-image reads of grey pixels:
// zxing-wasm's readBarcodes with ImageData converts RGBA to grey in JavaScript, converts the options and
// copies every field of every result. Here the options are passed in the module's own form (what
// readBarcodes would pass), the pixels are written into one heap buffer kept between calls, and the few
// result fields the verifier compares are read off the result vector's memory (see readFound). No I/O:
// the caller loads the wasm bytes once per process.
import { prepareZXingModule } from 'zxing-wasm/reader';
import type { ReadInputBarcodeFormat, ZXingReaderModule } from 'zxing-wasm/reader';

export type Decoded = { text: string; format: string; gs1: boolean };

// The emscripten side of the reader module, which zxing-wasm's types leave out.
type ReaderModule = ZXingReaderModule & {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
};
// An embind vector of zxing-wasm's JsReadResult: `$$.ptr` is the address of the std::vector.
type ResultVector = {
  $$: { ptr: number };
  size(): number;
  get(i: number): { isValid: boolean; text: string; format: string; contentType: number } | undefined;
  delete(): void;
};
type Binarizer = 'LocalAverage' | 'FixedThreshold';

let zxing: ReaderModule | undefined;
// One heap buffer for the pixels, grown when an image needs more: a malloc and free per read saved.
let pixels = { ptr: 0, size: 0 };

/** Loads the zxing reader from the given wasm bytes (never from a CDN). Idempotent per process. */
export async function prepareDecoder(wasmBinary: ArrayBuffer): Promise<void> {
  const module = (await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })) as ReaderModule;
  // Other bytes make another module instance, with its own heap: the pixel buffer was the old one's.
  if (module !== zxing) pixels = { ptr: 0, size: 0 };
  zxing = module;
}

const PURE_NATIVE = {
  tryHarder: false,
  tryRotate: false,
  tryInvert: false,
  tryDownscale: false,
  tryDenoise: false,
  isPure: true,
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
// zxing's Binarizer: LocalAverage adapts to the image; FixedThreshold (dark at 127 and below) reads a
// two-colour image whose colours lie either side of it at the least cost.
const BINARIZER: Record<Binarizer, number> = { LocalAverage: 0, FixedThreshold: 2 };
const GS1_CONTENT = 3; // zxing's ContentType.GS1
const REQUIRE_ADD_ON = 2; // zxing's EanAddOnSymbol.Require: a main symbol read without its add-on is no result

// The options objects per format list (the catalog's arrays), text mode, binarizer and add-on, built once:
// every verification of a symbology asks the same.
const PURE_OPTIONS = new WeakMap<readonly ReadInputBarcodeFormat[], object[]>();
function pureOptions(
  formats: readonly ReadInputBarcodeFormat[],
  hri: boolean,
  binarizer: Binarizer,
  addOn: boolean,
): object {
  let byMode = PURE_OPTIONS.get(formats);
  if (!byMode) PURE_OPTIONS.set(formats, (byMode = []));
  const mode = (hri ? 1 : 0) | (binarizer === 'FixedThreshold' ? 2 : 0) | (addOn ? 4 : 0);
  return (byMode[mode] ??= {
    ...PURE_NATIVE,
    formats: formats.join(','),
    textMode: hri ? 2 : 0, // HRI : Plain
    binarizer: BINARIZER[binarizer],
    eanAddOnSymbol: addOn ? REQUIRE_ADD_ON : PURE_NATIVE.eanAddOnSymbol,
  });
}

function pixelBuffer(module: ReaderModule, size: number): number {
  if (size <= pixels.size) return pixels.ptr;
  if (pixels.ptr) module._free(pixels.ptr);
  const ptr = module._malloc(size);
  pixels = ptr ? { ptr, size } : { ptr: 0, size: 0 };
  return ptr;
}

/**
 * Decodes 8-bit grey pixels in pure-image mode with the given binarizer (an EAN/UPC add-on required when
 * `addOn`); undefined before prepareDecoder.
 */
export function decodeGrey(
  grey: Uint8Array,
  width: number,
  height: number,
  formats: readonly ReadInputBarcodeFormat[],
  hri: boolean,
  binarizer: Binarizer = 'LocalAverage',
  addOn = false,
): Decoded[] | undefined {
  const module = zxing;
  if (!module) return undefined;
  const ptr = pixelBuffer(module, grey.length);
  if (!ptr) return undefined;
  module.HEAPU8.set(grey, ptr);
  const options = pureOptions(formats, hri, binarizer, addOn);
  const results = module.readBarcodesFromPixmap(ptr, width, height, options as never) as unknown as ResultVector;
  try {
    return readFound(module, results);
  } finally {
    results.delete();
  }
}

// zxing-wasm's JsReadResult as laid out in wasm32 memory (libc++): the fields the verifier reads, at their
// byte offsets, and the size of one result. A std::string is 12 bytes: short ones hold their bytes in
// place and their length in the last byte; long ones set that byte's top bit and hold data pointer, size.
const RESULT = { size: 208, isValid: 0, format: 16, text: 56, contentType: 68 };
const utf8 = new TextDecoder();

function stringAt(heap: Uint8Array, view: DataView, at: number): string {
  const tag = heap[at + 11]!;
  const long = (tag & 0x80) !== 0;
  const start = long ? view.getUint32(at, true) : at;
  const end = start + (long ? view.getUint32(at + 4, true) : tag);
  // ASCII (format names, most symbols' text) without a TextDecoder call.
  let ascii = '';
  for (let i = start; i < end; i++) {
    const b = heap[i]!;
    if (b >= 0x80) return utf8.decode(heap.subarray(start, end));
    ascii += String.fromCharCode(b);
  }
  return ascii;
}

// The valid results, read off the vector's memory. The layout is zxing-wasm's private one, so it earns
// trust per kind of result (short text, long text, each with and without the GS1 flag): until a kind has
// been read both ways and agreed, a read of it is also taken through embind's get(i), whose answer is the
// one used. Any disagreement, or a result that does not look like one (a bad size, flag or format name),
// and the process uses get(i) from then on.
let layoutBroken = false;
const agreedKinds = new Set<string>();
const kindOf = (d: Decoded) => `${d.text.length > 10 ? 'long' : 'short'}${d.gs1 ? ' gs1' : ''}`;

/** Whether results are still read off memory, and the kinds of result that have agreed with get(i) so far. */
export function resultLayout(): { readable: boolean; agreed: string[] } {
  return { readable: !layoutBroken, agreed: [...agreedKinds].sort() };
}

// Whether every result read off memory is of a kind that has agreed; an empty read once any kind has (the
// validity flag is the first field).
function trusted(raw: readonly Decoded[]): boolean {
  if (raw.length === 0) return agreedKinds.size > 0;
  for (const d of raw) if (!agreedKinds.has(kindOf(d))) return false;
  return true;
}

function readFound(module: ReaderModule, results: ResultVector): Decoded[] {
  const raw = layoutBroken ? undefined : readRaw(module, results);
  if (raw && trusted(raw)) return raw;
  const viaEmbind = readViaEmbind(results);
  if (layoutBroken) return viaEmbind;
  if (!raw || !sameDecoded(raw, viaEmbind)) layoutBroken = true;
  else for (const d of raw) agreedKinds.add(kindOf(d));
  return viaEmbind;
}

function readRaw(module: ReaderModule, results: ResultVector): Decoded[] | undefined {
  const heap = module.HEAPU8;
  const view = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
  const vector = results.$$.ptr;
  const begin = view.getUint32(vector, true);
  const end = view.getUint32(vector + 4, true);
  if (end < begin || (end - begin) % RESULT.size !== 0 || end > heap.length) return undefined;
  const found: Decoded[] = [];
  for (let at = begin; at < end; at += RESULT.size) {
    const valid = heap[at + RESULT.isValid];
    if (valid !== 0 && valid !== 1) return undefined;
    if (valid === 0) continue;
    const format = stringAt(heap, view, at + RESULT.format);
    if (!/^[A-Z][A-Za-z0-9]+$/.test(format)) return undefined;
    const gs1 = view.getInt32(at + RESULT.contentType, true) === GS1_CONTENT;
    found.push({ text: stringAt(heap, view, at + RESULT.text), format, gs1 });
  }
  return found;
}

function readViaEmbind(results: ResultVector): Decoded[] {
  const found: Decoded[] = [];
  for (let i = 0; i < results.size(); i++) {
    const r = results.get(i);
    if (r?.isValid) found.push({ text: r.text, format: r.format, gs1: r.contentType === GS1_CONTENT });
  }
  return found;
}

function sameDecoded(a: readonly Decoded[], b: readonly Decoded[]): boolean {
  return (
    a.length === b.length &&
    a.every((d, i) => d.text === b[i]!.text && d.format === b[i]!.format && d.gs1 === b[i]!.gs1)
  );
}
