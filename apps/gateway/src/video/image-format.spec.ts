import { IMAGE_SIDE_LIMITS, inspectImage, readImageSize, sniffImageType } from './image-format.js';

/** Real encoder output (Pillow), so the parser is checked against what clients send. */
const IMAGES = {
  png: ['image/png', 80, 64, 'iVBORw0KGgoAAAANSUhEUgAAAFAAAABACAIAAAACpWdhAAAAaElEQVR4nO3PQRHAIADAMEAIb/yrQNZcbHddoqCdd5/xJ+vrgLcZrjNcZ7jOcJ3hOsN1husM1xmuM1xnuM5wneE6w3WG6wzXGa4zXGe4znCd4TrDdYbrDNcZrjNcZ7jOcJ3hOsN1huse2tYBjj0SvOcAAAAASUVORK5CYII='],
  jpeg: ['image/jpeg', 96, 72, '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABIAGADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDIooorkPqAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKAP/2Q=='],
  jpegProgressive: ['image/jpeg', 100, 70, '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wgARCABGAGQDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAWAQEBAQAAAAAAAAAAAAAAAAAAAwX/2gAMAwEAAhADEAAAAYxHUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA//8QAFBABAAAAAAAAAAAAAAAAAAAAYP/aAAgBAQABBQJr/8QAFBEBAAAAAAAAAAAAAAAAAAAAUP/aAAgBAwEBPwEP/8QAFBEBAAAAAAAAAAAAAAAAAAAAUP/aAAgBAgEBPwEP/8QAFBABAAAAAAAAAAAAAAAAAAAAYP/aAAgBAQAGPwJr/8QAFBABAAAAAAAAAAAAAAAAAAAAYP/aAAgBAQABPyFr/9oADAMBAAIAAwAAABD77777777777777777777777777777777777//xAAUEQEAAAAAAAAAAAAAAAAAAABQ/9oACAEDAQE/EA//xAAUEQEAAAAAAAAAAAAAAAAAAABQ/9oACAECAQE/EA//xAAUEAEAAAAAAAAAAAAAAAAAAABg/9oACAEBAAE/EGv/2Q=='],
  webpLossy: ['image/webp', 120, 90, 'UklGRlgAAABXRUJQVlA4IEwAAADQBQCdASp4AFoAP3G42GU0ryunIKgCkC4JaQAW30AxtdTejDsyrHKqodsuGZVWKVUQzWzMyqiAAP7fgD6D4uX/+onsI775gAAAAAAA'],
  webpLossless: ['image/webp', 130, 66, 'UklGRiQAAABXRUJQVlA4TBcAAAAvgUAQAAdQjyIXpf9hABLC//1SRP9TMAA='],
  webpExtended: ['image/webp', 140, 68, 'UklGRoIAAABXRUJQVlA4WAoAAAAQAAAAiwAAQwAAQUxQSBEAAAABB1DAiAgDkBD+75ci+p8aAwBWUDggSgAAALAFAJ0BKowARAA/cbjYZTSvK6cgyAKQLglpABbfQDG91N8/ZlU7tgO7Mqn56p3ZlmmVVO7MAAD+34A+g+Ll//qJ7CO++YAAAAAA'],
} as const;
const GIF = Buffer.from('R0lGODdhUABAAIEAAMgeKAAAAAAAAAAAACwAAAAAUABAAEAIdAABCBxIsKDBgwgTKlzIsKHDhxAjSpxIsaLFixgzatzIsaPHjyBDihxJsqTJkyhTqlzJsqXLlzBjypxJs6bNmzhz6tzJs6fPn0CDCh1KtKjRo0iTKl3KtKnTp1CjSp1KtarVq1izat3KtavXr2DDih1L1mhAADs=', 'base64');
const LIMITS = { maxBytes: 10 * 1024 * 1024, ...IMAGE_SIDE_LIMITS };

/** A PNG whose IHDR says width x height (the rest of the file is not needed to read the size). */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

describe('image format', () => {
  it.each(Object.entries(IMAGES))('reads type and size of %s from the bytes', (_, [type, width, height, base64]) => {
    const bytes = Buffer.from(base64, 'base64');
    expect(sniffImageType(bytes)).toBe(type);
    expect(readImageSize(bytes, type)).toEqual({ width, height });
    expect(inspectImage(bytes, LIMITS)).toEqual({ type, width, height });
  });

  it('refuses other formats whatever they are called', () => {
    expect(sniffImageType(GIF)).toBeNull();
    expect(inspectImage(GIF, LIMITS)).toMatchObject({ message: expect.stringContaining('not a PNG, JPEG or WebP') });
    expect(inspectImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), LIMITS)).toMatchObject({ allowed: 'PNG, JPEG, WebP' });
  });

  it('refuses empty, oversized and truncated images', () => {
    expect(inspectImage(Buffer.alloc(0), LIMITS)).toMatchObject({ message: 'the image is empty' });
    const png = Buffer.from(IMAGES.png[3], 'base64');
    expect(inspectImage(png, { ...LIMITS, maxBytes: png.length - 1 })).toMatchObject({ message: expect.stringContaining(`at most ${png.length - 1}`) });
    expect(inspectImage(png.subarray(0, 20), LIMITS)).toMatchObject({ message: expect.stringContaining('truncated') });
    const jpeg = Buffer.from(IMAGES.jpeg[3], 'base64');
    expect(inspectImage(jpeg.subarray(0, 150), LIMITS)).toMatchObject({ message: expect.stringContaining('truncated') });
  });

  it.each([
    [63, 100, false],
    [64, 64, true],
    [4096, 4096, true],
    [4097, 100, false],
    [100, 4097, false],
  ])('accepts %ix%i: %s (64..4096 a side)', (width, height, ok) => {
    const result = inspectImage(pngHeader(width, height), LIMITS);
    if (ok) expect(result).toEqual({ type: 'image/png', width, height });
    else expect(result).toMatchObject({ message: `the image is ${width}x${height}; width and height between 64 and 4096 pixels are accepted` });
  });
});
