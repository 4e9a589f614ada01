// zlib streams for the writers (PNG, PDF) and readers (the verifier's PNG and PDF reads), through one zlib
// engine per direction kept for the life of the process and reset between calls. deflateSync and
// inflateSync make a new engine per call: zlib's state is allocated (deflate's is a quarter of a
// megabyte), zeroed and freed again, and a small symbol's PNG costs more in that than in compressing its
// rows. The bytes are zlib's either way: the kept engine is reset to the state a new one starts in.
//
// Node exposes no synchronous call that keeps an engine, so this drives the engine's handle as
// deflateSync does inside Node. Where that handle is not there (another Node), or a call does not finish
// cleanly in one go (output larger than the buffer, a malformed stream), the one-off call does the work,
// and reports the errors, as before.
import {
  constants,
  createDeflate,
  createInflate,
  deflateSync,
  inflateSync,
  type Deflate,
  type Inflate,
} from 'node:zlib';

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

/** The largest output that goes through a kept engine; larger ones take a one-off call. */
export const KEPT_ENGINE_MAX_BYTES = 1 << 20;
// A deflated output's room: zlib's deflateBound for level 1 stays well inside this.
const deflatedRoom = (n: number) => n + (n >> 8) + 64;

class KeptEngine {
  readonly #make: () => Engine;
  #engine: Engine | undefined;

  constructor(make: () => Engine) {
    this.#make = make;
  }

  /**
   * Runs `input` through as one whole stream into out[0..room); the bytes written, or -1 when the call did
   * not finish cleanly (the caller then makes the one-off call).
   */
  run(input: Uint8Array, out: Uint8Array, room: number): number {
    const engine = (this.#engine ??= this.#fresh());
    const handle = engine._handle;
    const state = engine._writeState;
    if (!handle || !state || typeof handle.writeSync !== 'function') return -1;
    try {
      handle.writeSync(constants.Z_FINISH, input, 0, input.length, out, 0, room);
    } catch {
      this.#engine = undefined;
      return -1;
    }
    // A stream zlib refuses closes the engine (its error event goes to the listener below).
    if (engine.destroyed || !engine._handle) {
      this.#engine = undefined;
      return -1;
    }
    const [availOut, availIn] = [state[0]!, state[1]!];
    handle.reset();
    // Input left (data after the stream's end) or no room left (more output than fits): not one clean call.
    return availIn !== 0 || availOut === 0 ? -1 : room - availOut;
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
let scratch = Buffer.allocUnsafe(1 << 16);

/** `data` deflated at level 1: the bytes of deflateSync(data, { level: 1 }). */
export function deflateFast(data: Uint8Array): Buffer {
  const room = deflatedRoom(data.length);
  if (room <= KEPT_ENGINE_MAX_BYTES) {
    if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.min(KEPT_ENGINE_MAX_BYTES, room * 2));
    const n = deflater.run(data, scratch, room);
    if (n >= 0) return Buffer.from(scratch.subarray(0, n));
  }
  return deflateSync(data, { level: 1 });
}

/**
 * A zlib stream inflated into a buffer of exactly `size` bytes, its own and 4-byte aligned, or undefined
 * when it does not inflate to at least that: malformed, cut short or smaller. Bytes past `size` are not kept.
 */
export function inflateExactly(data: Uint8Array, size: number): Uint8Array | undefined {
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  if (size + 1 <= KEPT_ENGINE_MAX_BYTES) {
    // One byte more than asked: a stream that fills it is larger, and goes to the one-off call.
    const out = new Uint8Array(size + 1);
    const n = inflater.run(data, out, size + 1);
    if (n === size) return out.subarray(0, size);
    if (n >= 0) return undefined;
  }
  // The one-off call grows its output as the stream inflates: a header that claims a huge image costs
  // only what its stream holds, never an allocation of the size it claims.
  let whole: Buffer;
  try {
    whole = inflateSync(data, { chunkSize: Math.max(64, Math.min(size + 64, KEPT_ENGINE_MAX_BYTES)) });
  } catch {
    return undefined;
  }
  if (whole.length < size) return undefined;
  // Aligned for word-wise reads: zlib's output may sit anywhere in a pooled buffer.
  return whole.byteOffset % 4 === 0
    ? new Uint8Array(whole.buffer, whole.byteOffset, size)
    : Uint8Array.from(whole.subarray(0, size));
}

/** A zlib stream inflated, when it inflates to at most `max` bytes; throws as inflateSync does otherwise. */
export function inflateAtMost(data: Uint8Array, max: number): Buffer {
  const room = Math.min(max, KEPT_ENGINE_MAX_BYTES);
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room);
  const n = inflater.run(data, scratch, room);
  return n >= 0 ? Buffer.from(scratch.subarray(0, n)) : inflateSync(data, { maxOutputLength: max });
}
