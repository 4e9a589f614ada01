// The kept zlib engines give the bytes the one-off calls give, call after call, and a stream zlib refuses
// leaves the next call as good as the first (and no unhandled error event behind).
import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KEPT_BUFFER_MAX_BYTES } from '../../../src/render/bitmap.ts';
import { deflateFast, inflateAtMost, inflateExactly } from '../../../src/render/flate.ts';

// Rows like a PNG's: mostly repeats (filter Up and zeros) with some noise, and incompressible bytes.
function sample(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  if (seed % 3 === 0) return randomBytes(size);
  for (let i = 0; i < size; i++) out[i] = (i * seed) % 97 < 3 ? (i * 31 + seed) & 0xff : 0;
  return out;
}
const SIZES = [0, 1, 17, 4096, 13_600, 65_537, 300_000, KEPT_BUFFER_MAX_BYTES + 10];

describe('deflateFast', () => {
  it('gives deflateSync level 1 bytes for every size, call after call', () => {
    for (let round = 0; round < 3; round++)
      SIZES.forEach((size, i) => {
        const data = sample(size, round * 10 + i);
        expect(Buffer.compare(deflateFast(data), deflateSync(data, { level: 1 })), `size ${size}`).toBe(0);
      });
  });
});

describe('inflateExactly', () => {
  it('inflates what deflate made, every size', () => {
    SIZES.forEach((size, i) => {
      const data = sample(size, i + 1);
      const out = inflateExactly(deflateSync(data), size);
      expect(out && Buffer.compare(Buffer.from(out), Buffer.from(data)), `size ${size}`).toBe(0);
    });
  });

  it('keeps the first bytes of a larger stream and refuses a smaller one', () => {
    const data = sample(5000, 4);
    expect(Buffer.from(inflateExactly(deflateSync(data), 4000)!).equals(Buffer.from(data.subarray(0, 4000)))).toBe(
      true,
    );
    expect(inflateExactly(deflateSync(data), 5001)).toBeUndefined();
  });

  it('refuses a cut or corrupt stream, and the next call reads as well as the first', async () => {
    const data = sample(13_600, 5);
    const stream = deflateSync(data);
    for (const bad of [
      stream.subarray(0, stream.length >> 1),
      Buffer.concat([stream.subarray(0, 2), randomBytes(40)]),
    ]) {
      expect(inflateExactly(bad, data.length)).toBeUndefined();
      expect(Buffer.from(inflateExactly(stream, data.length)!).equals(Buffer.from(data))).toBe(true);
    }
    // An engine's error event fires on a later tick: none may go unhandled.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('allocates what a stream inflates to, not what a header claims', () => {
    const data = sample(3000, 10);
    const before = process.memoryUsage().arrayBuffers;
    expect(inflateExactly(deflateSync(data), 2 ** 40)).toBeUndefined();
    expect(inflateExactly(deflateSync(data), -1)).toBeUndefined();
    expect(inflateExactly(deflateSync(data), 2 ** 60)).toBeUndefined();
    expect(inflateExactly(deflateSync(data), KEPT_BUFFER_MAX_BYTES * 512)).toBeUndefined();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(KEPT_BUFFER_MAX_BYTES * 64);
  });

  it('inflates no more of a bomb than the size asked for, and keeps none of the rest', () => {
    const bomb = deflateSync(Buffer.alloc(64 << 20));
    const before = process.memoryUsage().arrayBuffers;
    for (const size of [100, 2 << 20]) {
      const out = inflateExactly(bomb, size)!;
      expect(out.length).toBe(size);
      expect(out.buffer.byteLength).toBeLessThanOrEqual(size + 1);
      expect(out.every((b) => b === 0)).toBe(true);
    }
    // Inflating the whole bomb holds 64 MiB: the two reads hold what they return.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it('gives 4-byte aligned bytes, from the kept engine and the one-off call', () => {
    for (const size of [13_600, KEPT_BUFFER_MAX_BYTES + 10]) {
      const out = inflateExactly(deflateSync(sample(size, 11)), size)!;
      expect(out.byteOffset % 4).toBe(0);
    }
  });

  it('reads a stream with bytes after its end as inflateSync does', () => {
    const data = sample(3000, 7);
    const padded = Buffer.concat([deflateSync(data), Buffer.from('trailing')]);
    const expected = inflateSync(padded);
    expect(Buffer.from(inflateExactly(padded, data.length)!).equals(expected.subarray(0, data.length))).toBe(true);
  });
});

describe('inflateAtMost', () => {
  it('inflates up to its bound and throws past it, as inflateSync with maxOutputLength does', () => {
    const data = sample(20_000, 8);
    const stream = deflateSync(data);
    expect(inflateAtMost(stream, 20_000).equals(Buffer.from(data))).toBe(true);
    expect(inflateAtMost(stream, 1 << 24).equals(Buffer.from(data))).toBe(true);
    expect(() => inflateAtMost(stream, 19_999)).toThrow(RangeError);
    expect(() => inflateAtMost(stream.subarray(0, 100), 1 << 24)).toThrow();
    expect(inflateAtMost(stream, 20_000).equals(Buffer.from(data))).toBe(true);
  });
});
