import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LocalResultStore } from './local-result-store.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('LocalResultStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'result-store-'));
  const store = new LocalResultStore(dir);
  const bytes = Buffer.from(Array.from({ length: 500 }, (_, i) => i % 256));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores atomically and reads the whole object or one range', async () => {
    expect(await store.store('task-a', (path) => writeFile(path, bytes))).toBe(500);
    expect(await store.exists('task-a')).toBe(true);
    expect(await store.stat('task-a')).toMatchObject({ size: 500 });
    const whole = await store.read('task-a');
    expect(whole).toMatchObject({ start: 0, end: 499, size: 500 });
    expect(await collect(whole!.stream)).toEqual(bytes);
    const part = await store.read('task-a', { start: 10, end: 19 });
    expect(await collect(part!.stream)).toEqual(bytes.subarray(10, 20));
  });

  it('leaves no file behind when writing fails', async () => {
    await expect(store.store('task-b', async (path) => {
      writeFileSync(path, 'half');
      throw new Error('download broke');
    })).rejects.toThrow('download broke');
    expect(await store.exists('task-b')).toBe(false);
    expect(await store.stat('task-b')).toBeNull();
  });

  it('reports a vanished or removed object as gone', async () => {
    await store.store('task-c', (path) => writeFile(path, bytes));
    await rm(store.pathFor('task-c'));
    expect(await store.read('task-c')).toBeNull();
    await store.store('task-d', (path) => writeFile(path, bytes));
    await store.remove('task-d');
    await store.remove('task-d');
    expect(await store.exists('task-d')).toBe(false);
    expect(await store.signedUrl()).toBeNull();
  });
});
