import { crc32 } from 'node:zlib';

/** One file of a ZIP: its bytes, or chunks produced on the fly (the manifest). */
export type ZipEntry = { name: string; content: Buffer | AsyncIterable<string | Buffer> };

const UTF8_NAMES = 0x0800;
const DATA_DESCRIPTOR = 0x0008;
const VERSION = 45; // 4.5: ZIP64 end records may follow

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function localHeader(
  name: Buffer,
  flags: number,
  crc: number,
  size: number,
  stamp: { time: number; date: number },
): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(0, 8); // stored: images are compressed already
  header.writeUInt16LE(stamp.time, 10);
  header.writeUInt16LE(stamp.date, 12);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(size, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function centralHeader(
  name: Buffer,
  flags: number,
  crc: number,
  size: number,
  offset: number,
  stamp: { time: number; date: number },
): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(VERSION, 6);
  header.writeUInt16LE(flags, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(stamp.time, 12);
  header.writeUInt16LE(stamp.date, 14);
  header.writeUInt32LE(crc, 16);
  header.writeUInt32LE(size, 20);
  header.writeUInt32LE(size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name]);
}

function endRecords(entries: number, cdOffset: number, cdSize: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const zip64 = entries > 0xffff;
  end.writeUInt16LE(zip64 ? 0xffff : entries, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  if (!zip64) return end;
  // More than 65,535 entries (a 100,000-row batch): ZIP64 end of central directory record + locator.
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(VERSION, 12);
  record.writeUInt16LE(VERSION, 14);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(cdSize), 40);
  record.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

/**
 * A stored (uncompressed) ZIP, produced entry by entry as the consumer pulls: nothing but the
 * central directory (~80 bytes an entry) is kept. Entries and the archive stay under 4 GiB each; past
 * 65,535 entries the ZIP64 end records are written.
 */
export async function* zipStream(entries: AsyncIterable<ZipEntry>): AsyncGenerator<Buffer> {
  const central: Buffer[] = [];
  const stamp = dosDateTime(new Date());
  let offset = 0;
  for await (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const start = offset;
    if (Buffer.isBuffer(entry.content)) {
      const crc = crc32(entry.content);
      const header = localHeader(name, UTF8_NAMES, crc, entry.content.length, stamp);
      yield header;
      yield entry.content;
      offset += header.length + entry.content.length;
      central.push(centralHeader(name, UTF8_NAMES, crc, entry.content.length, start, stamp));
      continue;
    }
    // Size and CRC unknown up front: a data descriptor after the data carries them.
    const flags = UTF8_NAMES | DATA_DESCRIPTOR;
    const header = localHeader(name, flags, 0, 0, stamp);
    yield header;
    let crc = 0;
    let size = 0;
    for await (const part of entry.content) {
      const chunk = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(size, 8);
    descriptor.writeUInt32LE(size, 12);
    yield descriptor;
    offset += header.length + size + descriptor.length;
    central.push(centralHeader(name, flags, crc, size, start, stamp));
  }
  let cdSize = 0;
  for (const record of central) {
    cdSize += record.length;
    yield record;
  }
  yield endRecords(central.length, offset, cdSize);
}

const CHUNK_BYTES = 64 * 1024;

/**
 * A web stream that produces the next chunk only when the HTTP response asks for it. Small pieces
 * (headers, ~1 KB images) are gathered into ~64 KiB chunks: one socket write per chunk, not per piece.
 */
export function toPullStream(chunks: AsyncGenerator<Buffer>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const parts: Buffer[] = [];
        let size = 0;
        while (size < CHUNK_BYTES) {
          const { value, done } = await chunks.next();
          if (done) break;
          parts.push(value);
          size += value.length;
        }
        if (parts.length > 0) controller.enqueue(new Uint8Array(Buffer.concat(parts, size)));
        if (size < CHUNK_BYTES) controller.close();
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
