// zlib streams for the writers (PNG, PDF) and readers (the verifier's PNG and PDF reads), through one zlib
// engine per direction kept for the life of the process and reset between calls. deflateSync and
// inflateSync make a new engine per call: zlib's state is allocated (deflate's is a quarter of a
// megabyte), zeroed and freed again, and a small symbol's PNG costs more in that than in compressing its
// rows. The bytes are zlib's either way: the kept engine is reset to the state a new one starts in.
//
// Node exposes no synchronous call that keeps an engine, so this drives the engine's handle as
// deflateSync does inside Node. Where that handle is not there (another Node), or a call does not finish
// cleanly in one go (output larger than the buffer, a malformed stream), the one-off call does the work and
// reports the errors; a stream zlib refuses replaces the engine.
import {
  constants,
  createDeflate,
  createInflate,
  deflateSync,
  inflateSync,
  type Deflate,
  type Inflate,
} from 'node:zlib';
import { KEPT_BUFFER_MAX_BYTES } from './bitmap.ts';

// The engine's handle and the two counters its writes leave, as Node's zlib module uses them.
type Handle = {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
};
type Engine = (Deflate | Inflate) & { _handle?: Handle | null; _writeState?: Uint32Array };

// A deflated output's room: zlib's deflateBound for level 1 stays well inside this.
const deflatedRoom = (n: number) => n + (n >> 8) + 64;
// Deflate's largest expansion (a 258-byte match in one bit or two): no stream inflates to more than this
// many times its length.
const DEFLATE_MAX_RATIO = 1032;

/** One call through a kept engine: what it wrote, and the input and room it left. */
type Pass = { written: number; inputLeft: number; roomLeft: number };

class KeptEngine {
  readonly #make: () => Engine;
  #engine: Engine | undefined;

  constructor(make: () => Engine) {
    this.#make = make;
  }

  /**
   * Runs `input` through as one whole stream into out[0..room): 'refused' when zlib refused the stream (cut
   * short, corrupt), 'unavailable' when this Node's zlib has no handle to drive.
   */
  run(input: Uint8Array, out: Uint8Array, room: number): Pass | 'refused' | 'unavailable' {
    const engine = (this.#engine ??= this.#fresh());
    const handle = engine._handle;
    const state = engine._writeState;
    if (!handle || !state || typeof handle.writeSync !== 'function') return 'unavailable';
    try {
      handle.writeSync(constants.Z_FINISH, input, 0, input.length, out, 0, room);
    } catch {
      this.#engine = undefined;
      return 'unavailable';
    }
    // A stream zlib refuses closes the engine (its error event goes to the listener below).
    if (engine.destroyed || !engine._handle) {
      this.#engine = undefined;
      return 'refused';
    }
    const [roomLeft, inputLeft] = [state[0]!, state[1]!];
    handle.reset();
    return { written: room - roomLeft, inputLeft, roomLeft };
  }

  /** The bytes written when the call took the whole input and finished with room to spare, else -1. */
  whole(input: Uint8Array, out: Uint8Array, room: number): number {
    const pass = this.run(input, out, room);
    return typeof pass === 'object' && pass.inputLeft === 0 && pass.roomLeft > 0 ? pass.written : -1;
  }

  #fresh(): Engine {
    const engine = this.#make();
    // Errors are read off the engine's state at once; the event it also emits would otherwise be unhandled.
    engine.on('error', () => {});
    return engine;
  }
}

const deflater = new KeptEngine(() => createDeflate({ level: 1 }) as Engine);
const inflater = new KeptEngine(() => createInflate() as Engine);
// The writers' output buffer, kept from one call to the next up to KEPT_BUFFER_MAX_BYTES (bytes are copied out).
let scratch = Buffer.allocUnsafe(1 << 16);

/** `data` deflated at level 1: the bytes of deflateSync(data, { level: 1 }). */
export function deflateFast(data: Uint8Array): Buffer {
  const room = deflatedRoom(data.length);
  if (room <= KEPT_BUFFER_MAX_BYTES) {
    if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.min(KEPT_BUFFER_MAX_BYTES, room * 2));
    const n = deflater.whole(data, scratch, room);
    if (n >= 0) return Buffer.from(scratch.subarray(0, n));
  }
  return deflateSync(data, { level: 1 });
}

/**
 * A zlib stream inflated into a buffer of exactly `size` bytes, its own and 4-byte aligned, or undefined
 * when it does not inflate to at least that: malformed, cut short or smaller. What it holds past `size` is
 * not inflated (as an image reader ignores data past the image), so a stream costs at most `size` bytes
 * of output, and a size no stream of its length can reach is declined before anything is allocated.
 */
export function inflateExactly(data: Uint8Array, size: number): Uint8Array | undefined {
  if (!Number.isSafeInteger(size) || size < 0 || size > data.length * DEFLATE_MAX_RATIO) return undefined;
  // One byte more than asked: a stream that fills it holds more than the image.
  const out = new Uint8Array(size + 1);
  const pass = inflater.run(data, out, size + 1);
  if (pass === 'refused') return undefined;
  if (pass === 'unavailable') return oneOffInflate(data, size);
  return pass.written >= size ? out.subarray(0, size) : undefined;
}

// Without a kept engine: the one-off call, bounded to twice the size (a larger stream is declined).
function oneOffInflate(data: Uint8Array, size: number): Uint8Array | undefined {
  let whole: Buffer;
  try {
    whole = inflateSync(data, { maxOutputLength: Math.max(64, size * 2) });
  } catch {
    return undefined;
  }
  return whole.length < size ? undefined : Uint8Array.from(whole.subarray(0, size));
}

/** A zlib stream inflated, when it inflates to at most `max` bytes; throws as inflateSync does otherwise. */
export function inflateAtMost(data: Uint8Array, max: number): Buffer {
  const room = Math.min(max, KEPT_BUFFER_MAX_BYTES);
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room);
  const n = inflater.whole(data, scratch, room);
  return n >= 0 ? Buffer.from(scratch.subarray(0, n)) : inflateSync(data, { maxOutputLength: max });
}
