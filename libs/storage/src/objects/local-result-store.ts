import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteRange } from './range.js';
import type { ObjectRead, ResultStore, StoredObjectInfo } from './result-store.js';

const isMissing = (error: unknown): boolean => (error as { code?: string }).code === 'ENOENT';

/** Finished videos on local disk under DATA_DIR/results/<key>.mp4, written atomically (temp file, then rename). */
export class LocalResultStore implements ResultStore {
  readonly kind = 'local';
  readonly directory: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'results');
    mkdirSync(this.directory, { recursive: true });
  }

  pathFor(key: string): string {
    return join(this.directory, `${key}.mp4`);
  }

  async store(key: string, write: (temporaryPath: string) => Promise<void>): Promise<number> {
    const temporary = `${this.pathFor(key)}.part`;
    try {
      await write(temporary);
      await rename(temporary, this.pathFor(key));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return (await stat(this.pathFor(key))).size;
  }

  /** A synchronous stat of a cached inode costs about a microsecond, less than a trip to the thread pool. */
  async exists(key: string): Promise<boolean> {
    return statSync(this.pathFor(key), { throwIfNoEntry: false }) !== undefined;
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      const info = await stat(this.pathFor(key));
      return { size: info.size, lastModified: info.mtime };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<ObjectRead | null> {
    const info = await this.stat(key);
    if (!info) return null;
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;
    const stream = createReadStream(this.pathFor(key), { start, end: Math.max(start, end) });
    // The file can vanish between stat and open: report that as "gone", not as a broken stream.
    const opened = await new Promise<boolean>((resolve, reject) => {
      stream.once('open', () => resolve(true));
      stream.once('error', (error) => (isMissing(error) ? resolve(false) : reject(error)));
    });
    return opened ? { ...info, stream, start, end } : null;
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathFor(key), { force: true });
  }

  async signedUrl(): Promise<string | null> {
    return null;
  }

  async close(): Promise<void> {}
}
