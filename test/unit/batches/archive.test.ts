// The hand-written ZIP writer (src/batches/archive.ts), read back by an independent reader (yauzl),
// below and past the 65,535 entries where the ZIP64 end records take over.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { zipStream, type ZipEntry } from '../../../src/batches/archive.ts';

async function* entriesOf(files: ZipEntry[]): AsyncGenerator<ZipEntry> {
  yield* files;
}

async function zip(files: ZipEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of zipStream(entriesOf(files))) parts.push(part);
  return Buffer.concat(parts);
}

type ReadEntry = { name: string; crc32: number; size: number; content?: Buffer };

/** Every entry as yauzl reads it; the contents of those `wanted` says. */
function unzip(archive: Buffer, wanted: (name: string) => boolean = () => true): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(archive, { lazyEntries: true, strictFileNames: true }, (error, file) => {
      if (error) return reject(error);
      const out: ReadEntry[] = [];
      file.on('error', reject);
      file.on('end', () => resolve(out));
      file.on('entry', (entry: yauzl.Entry) => {
        const read: ReadEntry = { name: entry.fileName, crc32: entry.crc32, size: entry.uncompressedSize };
        out.push(read);
        if (!wanted(entry.fileName)) return file.readEntry();
        file.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            read.content = Buffer.concat(chunks);
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

async function* manifest(rows: number): AsyncGenerator<string> {
  yield 'row,file\n';
  for (let i = 1; i <= rows; i++) yield `${i},f${i}.png\n`;
}

describe('zipStream', () => {
  it('writes stored entries and a streamed one (data descriptor) that an independent reader reads back', async () => {
    const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
    const archive = await zip([
      { name: 'a.png', content: image },
      { name: 'dossier/ünïcode — 名前.svg', content: Buffer.from('<svg/>') },
      { name: 'empty.txt', content: Buffer.alloc(0) },
      { name: 'manifest.csv', content: manifest(3) },
    ]);
    const entries = await unzip(archive);
    expect(entries.map((e) => e.name)).toEqual(['a.png', 'dossier/ünïcode — 名前.svg', 'empty.txt', 'manifest.csv']);
    expect(entries[0]!.content).toEqual(image);
    expect(entries[1]!.content!.toString()).toBe('<svg/>');
    expect(entries[2]!.content).toEqual(Buffer.alloc(0));
    expect(entries[3]!.content!.toString()).toBe('row,file\n1,f1.png\n2,f2.png\n3,f3.png\n');
    for (const e of entries) expect(e.crc32, e.name).toBe(crc32(e.content!));
    // Below 65,536 entries there are no ZIP64 records.
    expect(archive.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false);
  });

  it('past 65,535 entries writes the ZIP64 end records, and every entry is found through them', async () => {
    const count = 0x10000 + 4; // 65,540 files, then the streamed manifest
    const files: ZipEntry[] = Array.from({ length: count }, (_, i) => ({
      name: `f${i}.txt`,
      content: Buffer.from([i & 0xff]),
    }));
    files.push({ name: 'manifest.csv', content: manifest(count) });
    const archive = await zip(files);
    // The classic end record says "see ZIP64" (0xffff entries); the ZIP64 record and locator precede it.
    const end = archive.subarray(archive.length - 22);
    expect(end.readUInt32LE(0)).toBe(0x06054b50);
    expect(end.readUInt16LE(10)).toBe(0xffff);
    expect(archive.readUInt32LE(archive.length - 22 - 20)).toBe(0x07064b50);
    expect(archive.readUInt32LE(archive.length - 22 - 20 - 56)).toBe(0x06064b50);

    const sample = new Set(['f0.txt', 'f255.txt', 'f65535.txt', `f${count - 1}.txt`, 'manifest.csv']);
    const entries = await unzip(archive, (name) => sample.has(name));
    expect(entries).toHaveLength(count + 1);
    expect(entries.slice(0, count).every((e, i) => e.name === `f${i}.txt` && e.size === 1)).toBe(true);
    const read = entries.filter((e) => e.content !== undefined);
    expect(read.map((e) => e.name)).toEqual([...sample]);
    for (const e of read) expect(e.crc32, e.name).toBe(crc32(e.content!));
    expect(read[2]!.content).toEqual(Buffer.from([65535 & 0xff]));
    const lines = read[4]!.content!.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(count + 1);
    expect(lines.at(-1)).toBe(`${count},f${count}.png`);
  });
});
