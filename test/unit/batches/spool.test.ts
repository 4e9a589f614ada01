import { describe, expect, it } from 'vitest';
import { spoolRows } from '../../../src/batches/spool.ts';

async function* from<T>(items: T[]) {
  yield* items;
}

describe('spoolRows', () => {
  it('reads back exactly what it wrote, line separators and all', async () => {
    const rows = [{ a: 'x\ny\r\nz' }, { a: 'u\u2028v\u2029w\u0085' }, { a: '' }, { n: 3 }];
    const spool = await spoolRows(from(rows));
    try {
      expect(spool.count).toBe(4);
      const back: unknown[] = [];
      for await (const row of spool.rows()) back.push(row);
      expect(back).toEqual(rows);
    } finally {
      await spool.remove();
    }
  });

  it('removes its file and rethrows when reading the source fails', async () => {
    async function* failing() {
      yield { a: 1 };
      throw new Error('cut off');
    }
    await expect(spoolRows(failing())).rejects.toThrow('cut off');
  });
});
