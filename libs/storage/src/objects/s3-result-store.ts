import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ByteRange } from './range.js';
import { RESULT_CONTENT_TYPE, type ObjectRead, type ResultStore, type StoredObjectInfo } from './result-store.js';

export interface S3ResultStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  keyPrefix?: string;
  /** Where the MP4 is written before the upload; the system temp directory by default. */
  scratchDir?: string;
  /** How long a positive exists() answer is remembered (a HEAD per cache hit would cost a network trip). */
  existsMemoMs?: number;
}

const isMissing = (error: unknown): boolean =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');

/** Finished videos in an S3-compatible bucket (AWS, MinIO, Ceph, moto), under `<prefix><key>.mp4`. */
export class S3ResultStore implements ResultStore {
  readonly kind = 's3';
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly scratchDir: string;
  private readonly existsMemoMs: number;
  private readonly present = new Map<string, number>();

  constructor(options: S3ResultStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.keyPrefix ?? 'results/';
    this.scratchDir = options.scratchDir ?? tmpdir();
    this.existsMemoMs = options.existsMemoMs ?? 30_000;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials:
        options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      // Plain PUTs with Content-Length and no trailing checksums: what every S3-compatible server accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  objectKey(key: string): string {
    return `${this.prefix}${key}.mp4`;
  }

  async store(key: string, write: (temporaryPath: string) => Promise<void>): Promise<number> {
    await mkdir(this.scratchDir, { recursive: true });
    const dir = await mkdtemp(join(this.scratchDir, 'upload-'));
    const temporary = join(dir, `${key}.mp4`);
    try {
      await write(temporary);
      const { size } = await stat(temporary);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: createReadStream(temporary),
          ContentLength: size,
          ContentType: RESULT_CONTENT_TYPE,
        }),
      );
      this.present.set(key, Date.now());
      return size;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async exists(key: string): Promise<boolean> {
    const seen = this.present.get(key);
    if (seen !== undefined && Date.now() - seen < this.existsMemoMs) return true;
    const found = (await this.stat(key)) !== null;
    if (found) this.rememberPresent(key);
    else this.present.delete(key);
    return found;
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<ObjectRead | null> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      const total = totalSize(object.ContentRange) ?? object.ContentLength ?? 0;
      const start = range?.start ?? 0;
      const end = range ? start + (object.ContentLength ?? 0) - 1 : total - 1;
      return { stream: object.Body as Readable, size: total, lastModified: object.LastModified ?? new Date(0), start, end };
    } catch (error) {
      if (isMissing(error)) {
        this.present.delete(key);
        return null;
      }
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    this.present.delete(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: RESULT_CONTENT_TYPE,
      ResponseContentDisposition: downloadName ? `inline; filename="${downloadName}"` : undefined,
    });
    return getSignedUrl(this.client, command, { expiresIn: ttlSeconds });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private rememberPresent(key: string): void {
    if (this.present.size > 10_000) this.present.clear();
    this.present.set(key, Date.now());
  }
}

function totalSize(contentRange: string | undefined): number | undefined {
  const match = contentRange ? /\/(\d+)$/.exec(contentRange) : null;
  return match ? Number(match[1]) : undefined;
}
