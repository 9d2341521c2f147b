import type { Readable } from 'node:stream';
import type { ByteRange } from './range.js';

export interface StoredObjectInfo {
  size: number;
  lastModified: Date;
}

export interface ObjectRead extends StoredObjectInfo {
  stream: Readable;
  /** The bytes this read returns, inclusive; the whole object without a range. */
  start: number;
  end: number;
}

/**
 * Where finished videos live, by result key (the id of the task that rendered them). A local directory
 * by default, or an S3-compatible bucket; both answer byte ranges.
 */
export interface ResultStore {
  readonly kind: 'local' | 's3';
  /** Lets `write` fill a local temporary file, then stores it under `key`; returns the size in bytes. */
  store(key: string, write: (temporaryPath: string) => Promise<void>): Promise<number>;
  /** Cheap presence check for the cache-hit path (local: one stat; S3: HEAD, remembered briefly). */
  exists(key: string): Promise<boolean>;
  stat(key: string): Promise<StoredObjectInfo | null>;
  /** The object or one byte range of it (already checked against its size), or null when it is gone. */
  read(key: string, range?: ByteRange): Promise<ObjectRead | null>;
  remove(key: string): Promise<void>;
  /** A time-limited GET link straight to the storage (S3 presigned URL); null where there is none (local). */
  signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<string | null>;
  close(): Promise<void>;
}

export const RESULT_CONTENT_TYPE = 'video/mp4';
