import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';

/** Rows written to a local file as they arrive, read back once the upload is complete. */
export type Spool<T> = {
  count: number;
  /** The rows in the order they were written. */
  rows(): AsyncIterable<T>;
  /** Deletes the file (always call it, also on failure). */
  remove(): Promise<void>;
};

/**
 * Writes every item of `items` as one JSON line to a temporary file. An upload is spooled while it
 * arrives so that nothing (no database connection, no transaction) waits on the client's bytes;
 * the file is removed if reading fails.
 */
export async function spoolRows<T>(items: AsyncIterable<T>): Promise<Spool<T>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'codes-batch-'));
  const file = path.join(dir, 'rows.jsonl');
  const remove = () => rm(dir, { recursive: true, force: true });
  let count = 0;
  async function* lines() {
    for await (const item of items) {
      count++;
      // readline also ends lines at U+2028/U+2029, which JSON.stringify leaves raw: escaped, still JSON.
      yield `${JSON.stringify(item)
        .replace(/\u2028/g, '\\u2028')
        .replace(/\u2029/g, '\\u2029')}\n`;
    }
  }
  try {
    await pipeline(Readable.from(lines()), createWriteStream(file));
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    count,
    async *rows() {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of lines) if (line) yield JSON.parse(line) as T;
    },
    remove,
  };
}
