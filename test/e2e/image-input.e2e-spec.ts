import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { decodeTask } from '@app/tasks';
import { ImageServer, makePng } from '../clients/fixtures.js';
import { Api } from '../support/api.js';
import { TestStack, tokenFor } from '../support/stack.js';

const run = promisify(execFile);
const MAX_BYTES = 200_000;

interface Problem {
  status: number;
  errors: Array<{ field: string; message: string; allowed?: string }>;
}

/** Mean red minus mean green of the first frame: the procedural backend tints it with the input image. */
async function firstFrameRedness(file: string): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  let red = 0;
  let green = 0;
  for (let i = 0; i < stdout.length; i += 3) {
    red += stdout[i]!;
    green += stdout[i + 1]!;
  }
  return (red - green) / (stdout.length / 3);
}

describe('image-to-video input on the native API', () => {
  const images = new ImageServer();
  const settings: Record<string, string> = {
    MODELS: 'easyanimate-v5.1-12b,wan2.1-t2v-1.3b',
    IMAGE_MAX_BYTES: String(MAX_BYTES),
    THROTTLE_SUBMIT_LIMIT: '1000',
  };
  const stack = new TestStack(settings);
  let alice: Api;
  let redis: Redis;

  const form = (fields: Record<string, string>, file?: { field: string; bytes: Buffer; name: string; type?: string }): FormData => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    if (file) body.append(file.field, new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
    return body;
  };
  const postForm = (body: FormData) =>
    fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor('alice')}` }, body });
  const problemOf = async (response: Response): Promise<Problem> => {
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    return (await response.json()) as Problem;
  };

  beforeAll(async () => {
    await images.start();
    settings.OUTBOUND_ALLOW_LIST = `127.0.0.1:${images.port}`;
    await stack.start([{ stepDelayMs: 5 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
    redis = new Redis(stack.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack.stop();
    await images.stop();
  });

  it('fetches imageUrl itself, passes the bytes to the model service, records their digest and drops them when done', async () => {
    const common = { prompt: 'a red kite', width: 256, height: 256, numFrames: 4, numInferenceSteps: 2, seed: 3 };
    const i2v = await alice.submit({ ...common, imageUrl: `${images.origin}/320/200` });
    expect(i2v.mode).toBe('i2v');
    expect(images.hits).toEqual(['/320/200']);
    const t2v = await alice.submit(common);
    expect(t2v.mode).toBe('t2v');

    await alice.waitForStatus(i2v.taskId, 'COMPLETED');
    await alice.waitForStatus(t2v.taskId, 'COMPLETED');
    const digest = createHash('sha256').update(makePng(320, 200)).digest('hex');
    expect(decodeTask(await redis.hgetall(`videogw:task:${i2v.taskId}`))?.imageDigest).toBe(digest);
    expect(await redis.exists(`videogw:image:${i2v.taskId}`)).toBe(0);

    // Same prompt and seed: only the input image differs, and the first frame shows its red.
    const [withImage, without] = [join(stack.dir, 'i2v.mp4'), join(stack.dir, 't2v.mp4')];
    await alice.download(i2v.taskId, withImage);
    await alice.download(t2v.taskId, without);
    expect((await firstFrameRedness(withImage)) - (await firstFrameRedness(without))).toBeGreaterThan(40);
  });

  it('takes a multipart upload: the image file plus the other fields as form fields', async () => {
    const response = await postForm(
      form({ prompt: 'an uploaded frame', width: '256', height: '256', numFrames: '4', numInferenceSteps: '2' }, { field: 'image', bytes: makePng(128, 96), name: 'frame.png' }),
    );
    expect(response.status).toBe(202);
    const task = (await response.json()) as { taskId: string; mode: string; requested: Record<string, unknown> };
    expect(task.mode).toBe('i2v');
    expect(task.requested).toMatchObject({ width: 256, height: 256, numFrames: 4 });
    await alice.waitForStatus(task.taskId, 'COMPLETED');
  });

  it('names the field when the image is too large, not an image, or too small or too big in pixels', async () => {
    const tooLarge = await problemOf(await postForm(form({ prompt: 'x' }, { field: 'image', bytes: makePng(300, 300, 'noise'), name: 'big.png' })));
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.errors).toEqual([expect.objectContaining({ field: 'image', message: `the file is larger than ${MAX_BYTES} bytes` })]);

    const text = await problemOf(await postForm(form({ prompt: 'x' }, { field: 'image', bytes: Buffer.from('hello'), name: 'frame.png', type: 'image/png' })));
    expect(text.errors).toEqual([expect.objectContaining({ field: 'image', message: expect.stringContaining('not a PNG, JPEG or WebP') })]);

    const cases: Array<[string, RegExp]> = [
      [`${images.origin}/noise/300/300`, /larger than 200000 bytes/],
      [`${images.origin}/32/32`, /32x32; width and height between 64 and 4096/],
      [`${images.origin}/5000/70`, /5000x70/],
      [`${images.origin}/gif`, /not a PNG, JPEG or WebP/],
      [`${images.origin}/missing`, /HTTP 404/],
      [`${stack.baseUrl}/health`, /refused: points to a loopback address/],
      ['http://169.254.169.254/latest/meta-data/', /refused/],
      ['file:///etc/passwd', /scheme/],
      ['data:image/png;base64,!!!', /not valid base64/],
    ];
    for (const [imageUrl, message] of cases) {
      const problem = await problemOf(await alice.request('POST', '/api/video/generate', { prompt: 'x', imageUrl }));
      expect({ imageUrl, status: problem.status, errors: problem.errors }).toEqual({
        imageUrl,
        status: 422,
        errors: [expect.objectContaining({ field: 'imageUrl', message: expect.stringMatching(message) })],
      });
    }
  });

  it('accepts a base64 data: URL as imageUrl', async () => {
    const imageUrl = `data:image/png;base64,${makePng(100, 100).toString('base64')}`;
    const task = await alice.submit({ prompt: 'inline image', width: 256, height: 256, numFrames: 2, numInferenceSteps: 1, imageUrl });
    expect(task.mode).toBe('i2v');
    await alice.waitForStatus(task.taskId, 'COMPLETED');
  });

  it('checks the other fields before fetching, and refuses an image for a text-only model', async () => {
    const before = images.hits.length;
    const invalid = await problemOf(await alice.request('POST', '/api/video/generate', { prompt: 'x', width: 250, imageUrl: `${images.origin}/320/200` }));
    expect(invalid.errors.map((error) => error.field)).toEqual(['width']);
    expect(images.hits.length).toBe(before);

    const textOnly = await problemOf(await alice.request('POST', '/api/video/generate', { prompt: 'x', model: 'wan2.1-t2v-1.3b', imageUrl: `${images.origin}/320/200` }));
    expect(textOnly.errors).toEqual([{ field: 'imageUrl', message: 'the model does not take an input image (t2v only)' }]);

    const both = await problemOf(
      await postForm(form({ prompt: 'x', imageUrl: `${images.origin}/320/200` }, { field: 'image', bytes: makePng(100, 100), name: 'a.png' })),
    );
    expect(both.errors.map((error) => error.field)).toEqual(['imageUrl']);
    const stray = await problemOf(await postForm(form({ prompt: 'x' }, { field: 'video', bytes: makePng(100, 100), name: 'a.png' })));
    expect(stray.errors).toEqual([expect.objectContaining({ field: 'video', message: 'is not a file field' })]);
  });
});
