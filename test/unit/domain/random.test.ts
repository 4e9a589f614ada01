import { expect, it } from 'vitest';
import { randomBytesPooled } from '../../../src/domain/random.ts';

it('gives fresh bytes of the size asked, across pool refills, never a view its next caller overwrites', () => {
  const seen = new Set<string>();
  const taken: Buffer[] = [];
  // 12-byte values do not divide the 4 KiB pool: several refills, one value near each page's end.
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytesPooled(12);
    expect(bytes).toHaveLength(12);
    seen.add(bytes.toString('hex'));
    taken.push(bytes);
  }
  expect(seen.size).toBe(2000);
  const copies = taken.map((b) => b.toString('hex'));
  for (let i = 0; i < 1000; i++) randomBytesPooled(16);
  expect(taken.map((b) => b.toString('hex'))).toEqual(copies);
  // Roughly uniform bits: a stuck pool (all zeros, or a repeat) fails this by far.
  const ones = taken.reduce((n, b) => n + [...b].reduce((m, x) => m + x.toString(2).split('1').length - 1, 0), 0);
  expect(ones / (2000 * 96)).toBeGreaterThan(0.48);
  expect(ones / (2000 * 96)).toBeLessThan(0.52);
  expect(() => randomBytesPooled(4097)).toThrow(RangeError);
});
