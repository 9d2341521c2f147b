import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';

/** A valid solid-colour RGB PNG of the given size, built with zlib alone. */
export function makePng(width: number, height: number, rgb: [number, number, number] | 'noise' = [200, 40, 30]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = (): Buffer => {
    if (rgb === 'noise') return Buffer.concat([Buffer.alloc(1), randomBytes(width * 3)]); // does not compress
    const line = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) line.set(rgb, 1 + x * 3);
    return line;
  };
  const raw = Buffer.concat(Array.from({ length: height }, row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * An image host on loopback, like picsum.photos: GET /<width>/<height> answers a PNG of that size
 * (/noise/<width>/<height> one that does not compress), /gif a GIF, anything else 404. Counts the requests it served.
 */
export class ImageServer {
  private server?: Server;
  port = 0;
  hits: string[] = [];

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const path = request.url ?? '/';
      this.hits.push(path);
      const size = /^\/(noise\/)?(\d+)\/(\d+)$/.exec(path);
      if (size) {
        response.writeHead(200, { 'content-type': 'image/png' }).end(makePng(Number(size[2]), Number(size[3]), size[1] ? 'noise' : undefined));
      } else if (path === '/gif') {
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('R0lGODdhAQABAIAAAP///////ywAAAAAAQABAAACAkQBADs=', 'base64'));
      } else {
        response.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
