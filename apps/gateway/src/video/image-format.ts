/**
 * What an input image is, read from its bytes alone (never from a Content-Type header or a file name):
 * PNG, JPEG or WebP by magic bytes, and the pixel size from the header, without decoding the picture.
 */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface ImageFacts {
  type: ImageType;
  width: number;
  height: number;
}

export interface ImageLimits {
  maxBytes: number;
  minSide: number;
  maxSide: number;
}

export const IMAGE_SIDE_LIMITS = { minSide: 64, maxSide: 4096 } as const;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Width and height from the header, or null when the header is truncated or malformed. */
export function readImageSize(bytes: Buffer, type: ImageType): { width: number; height: number } | null {
  switch (type) {
    case 'image/png':
      return pngSize(bytes);
    case 'image/jpeg':
      return jpegSize(bytes);
    case 'image/webp':
      return webpSize(bytes);
  }
}

/** The IHDR chunk comes first: length 13, "IHDR", then width and height as big-endian uint32. */
function pngSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return positive(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
}

/** Walks the marker segments to the first start-of-frame (SOF0-15 except DHT, JPG and DAC). */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame header
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > bytes.length) return null;
      return positive(bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5));
    }
    offset += 2 + length;
  }
  return null;
}

/** RIFF container; the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, canvas size). */
function webpSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 30) return null;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return positive(bytes.readUInt16LE(26) & 0x3fff, bytes.readUInt16LE(28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return null;
    const bits = bytes.readUInt32LE(21);
    return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    return positive(bytes.readUIntLE(24, 3) + 1, bytes.readUIntLE(27, 3) + 1);
  }
  return null;
}

function positive(width: number, height: number): { width: number; height: number } | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Checks size, type and dimensions; the message says what is wrong and what is allowed. */
export function inspectImage(bytes: Buffer, limits: ImageLimits): ImageFacts | { message: string; allowed: string } {
  if (bytes.length === 0) return { message: 'the image is empty', allowed: 'a PNG, JPEG or WebP file' };
  if (bytes.length > limits.maxBytes) {
    return { message: `the image is ${bytes.length} bytes; at most ${limits.maxBytes} are accepted`, allowed: `at most ${limits.maxBytes} bytes` };
  }
  const type = sniffImageType(bytes);
  if (!type) return { message: 'the image is not a PNG, JPEG or WebP file (checked by its content)', allowed: 'PNG, JPEG, WebP' };
  const size = readImageSize(bytes, type);
  if (!size) return { message: `the ${type} header is truncated or malformed`, allowed: 'a complete PNG, JPEG or WebP file' };
  const { width, height } = size;
  const allowed = `width and height between ${limits.minSide} and ${limits.maxSide} pixels`;
  if (Math.min(width, height) < limits.minSide || Math.max(width, height) > limits.maxSide) {
    return { message: `the image is ${width}x${height}; ${allowed} are accepted`, allowed };
  }
  return { type, width, height };
}
