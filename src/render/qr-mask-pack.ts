// Packs qrcode's one-byte-per-module matrices into 32-bit words both ways (see qr-mask-penalty.ts):
// the rows four bytes at a time, the columns by transposing the packed rows 32×32 bits at a time,
// instead of a read-modify-write per module.
import type { LineShape, Packed } from './qr-mask-penalty.ts';

/** A Packed of the right size for `shape`, all zero. */
export function emptyPacked({ size, words }: LineShape): Packed {
  return { rows: new Int32Array(size * words), cols: new Int32Array(size * words) };
}

/** Packs one byte per module (0 or 1, row-major) into `into`. */
export function pack(bits: Uint8Array, shape: LineShape, into: Packed): Packed {
  packRows(bits, shape, into.rows);
  transpose(into.rows, shape, into.cols);
  return into;
}

function packRows(bits: Uint8Array, { size }: LineShape, rows: Int32Array): void {
  const view = new DataView(bits.buffer, bits.byteOffset, bits.byteLength);
  for (let row = 0, out = 0; row < size; row++) {
    for (let first = 0; first < size; first += 32, out++) {
      const count = Math.min(32, size - first);
      const start = row * size + first;
      let word = 0;
      let k = 0;
      // Bytes b0..b3 (each 0 or 1, read little-endian) times 0x01020408 land on bits 24..27.
      for (; k < count && start + k + 4 <= bits.length; k += 4)
        word |= ((Math.imul(view.getUint32(start + k, true), 0x01020408) >>> 24) & 0xf) << k;
      for (; k < count; k++) word |= bits[start + k]! << k;
      // The last word of a row may have read up to three modules of the next row.
      rows[out] = count === 32 ? word : word & ((1 << count) - 1);
    }
  }
}

const block = new Int32Array(32);

/** Columns from packed rows, by Hacker's Delight's 32×32 transpose (least significant bit first). */
function transpose(rows: Int32Array, { size, words }: LineShape, cols: Int32Array): void {
  for (let rowWord = 0; rowWord < words; rowWord++) {
    const rowCount = Math.min(32, size - 32 * rowWord);
    for (let colWord = 0; colWord < words; colWord++) {
      for (let i = 0; i < 32; i++) block[i] = i < rowCount ? rows[(32 * rowWord + i) * words + colWord]! : 0;
      for (let j = 16, m = 0x0000ffff; j !== 0; j >>>= 1, m ^= m << j) {
        for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
          const t = ((block[k]! >>> j) ^ block[k | j]!) & m;
          block[k]! ^= t << j;
          block[k | j]! ^= t;
        }
      }
      const colCount = Math.min(32, size - 32 * colWord);
      for (let i = 0; i < colCount; i++) cols[(32 * colWord + i) * words + rowWord] = block[i]!;
    }
  }
}
