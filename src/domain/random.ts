import { randomFillSync } from 'node:crypto';

// A request takes a few small random values (ids, a link token's IV); one system call per value cost more
// than the sealing it feeds. They are cut from a pool refilled a page at a time, as randomUUID does.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `size` cryptographically random bytes (at most a pool's worth), copied out of the pool. */
export function randomBytesPooled(size: number): Buffer {
  if (size > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}
