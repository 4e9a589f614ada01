import { once } from 'node:events';
import type { Readable } from 'node:stream';
import archiver from 'archiver';

/** One file of a ZIP: bytes, or a stream (the manifest) written as it is produced. */
export type ZipEntry = { name: string; content: Buffer | Readable };

/**
 * Streams a ZIP of the given entries as they are produced. Images are stored, not deflated (PNG,
 * WebP and JPEG are compressed already). Each entry is awaited before the next is fetched, so a slow
 * download slows the database reads instead of growing memory.
 */
export function zipStream(entries: AsyncIterable<ZipEntry>): Readable {
  const archive = archiver('zip', { store: true });
  void (async () => {
    try {
      for await (const entry of entries) {
        const written = once(archive, 'entry');
        archive.append(entry.content, { name: entry.name, store: entry.name.endsWith('.png') || entry.name.endsWith('.jpeg') || entry.name.endsWith('.webp') });
        await written;
      }
      await archive.finalize();
    } catch (error) {
      archive.destroy(error as Error);
    }
  })();
  return archive;
}
