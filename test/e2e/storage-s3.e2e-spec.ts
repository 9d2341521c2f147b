import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ResultStore } from '@app/storage';
import { Api, type TaskBody } from '../support/api.js';
import { freePort, ManagedProcess, REPO_ROOT, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const MOTO_VENV = join(REPO_ROOT, '.cache', 'moto-venv');
const MOTO_SERVER = join(MOTO_VENV, 'bin', 'moto_server');
const BUCKET = 'videos-e2e';
const TINY = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 };

/** moto's S3 server from PyPI, in a venv under .cache/ (installed once, then reused). */
function ensureMoto(): void {
  if (existsSync(MOTO_SERVER)) return;
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit', timeout: 240_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
  };
  run('python3', ['-m', 'venv', MOTO_VENV]);
  run(join(MOTO_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'moto[server]']);
}

/**
 * RESULT_STORE=s3 against a real S3-compatible server (moto in server mode): the dispatcher uploads the
 * MP4, the gateway serves it with Range, share links and presigned redirects work, and the store itself
 * answers ranges, presence and deletion.
 */
describe('storage: S3-compatible result store', () => {
  let moto: ManagedProcess;
  let endpoint: string;
  let s3: S3Client;
  let stack: TestStack;
  let alice: Api;
  let done: TaskBody;
  const credentials = { accessKeyId: 'e2e-key', secretAccessKey: 'e2e-secret' };

  beforeAll(async () => {
    ensureMoto();
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    stack = new TestStack({
      THROTTLE_ENABLED: 'false',
      RESULT_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_LEVEL: 'warn',
    });
    moto = new ManagedProcess('moto', MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { env: process.env, logDir: stack.logDir }).start();
    await waitFor('moto', async () => (await fetch(`${endpoint}/`)).status < 500, 60_000);
    s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await stack.start([{ stepDelayMs: 20 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
    done = await alice.waitForStatus((await alice.submit({ prompt: 'stored in a bucket', ...TINY, seed: 9 })).taskId, 'COMPLETED');
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
    s3?.destroy();
    await moto?.stop();
  });

  it('uploads the result to the bucket, not to local disk', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `results/${done.taskId}.mp4` }));
    expect(head.ContentType).toBe('video/mp4');
    expect(head.ContentLength).toBeGreaterThan(1000);
    expect(existsSync(join(stack.dir, 'data', 'results', `${done.taskId}.mp4`))).toBe(false);
  });

  it('serves it through the gateway with Range (206) and 416 past the end', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `results/${done.taskId}.mp4` }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    const whole = await alice.request('GET', `/api/video/result/${done.taskId}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(stored);

    const partial = await alice.request('GET', `/api/video/result/${done.taskId}`, undefined, { range: 'bytes=100-199' });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 100-199/${stored.length}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(stored.subarray(100, 200));
    const suffix = await alice.request('GET', `/api/video/result/${done.taskId}`, undefined, { range: 'bytes=-50' });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(stored.subarray(stored.length - 50));
    expect((await alice.request('GET', `/api/video/result/${done.taskId}`, undefined, { range: `bytes=${stored.length}-` })).status).toBe(416);

    const shared = await fetch(`${stack.baseUrl}${done.shareUrl as string}`, { headers: { range: 'bytes=0-9' } });
    expect(shared.status).toBe(206);
    expect(Buffer.from(await shared.arrayBuffer())).toEqual(stored.subarray(0, 10));
  });

  it('answers a cache hit from the bucket, and a vanished object with 410 and a miss', async () => {
    const hit = await alice.submit({ prompt: 'stored in a bucket', ...TINY, seed: 9 });
    expect(hit).toMatchObject({ status: 'COMPLETED', cached: true });
    expect((await alice.request('GET', `/api/video/result/${hit.taskId}`)).status).toBe(200);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `results/${done.taskId}.mp4` }));
    const gone = await alice.request('GET', `/api/video/result/${hit.taskId}`);
    expect(gone.status).toBe(410);
    expect((await alice.status(done.taskId)).status).toBe('EXPIRED');
    const miss = await alice.submit({ prompt: 'stored in a bucket', ...TINY, seed: 9 });
    expect(miss).toMatchObject({ status: 'PENDING', cached: false });
    await alice.waitForStatus(miss.taskId, 'COMPLETED');
  });

  it('redirects to a presigned GET link with RESULT_REDIRECT, and that link answers Range', async () => {
    await stack.gateway!.stop();
    await stack.startGateway({ RESULT_REDIRECT: 'true' });
    const { taskId } = await alice.submit({ prompt: 'presigned', ...TINY, seed: 10 });
    await alice.waitForStatus(taskId, 'COMPLETED');
    const redirect = await alice.request('GET', `/api/video/result/${taskId}`, undefined, {});
    // fetch follows redirects: the final answer comes from the bucket itself.
    expect(redirect.status).toBe(200);
    expect(redirect.url.startsWith(`${endpoint}/${BUCKET}/results/${taskId}.mp4?`)).toBe(true);
    const manual = await fetch(`${stack.baseUrl}/api/video/result/${taskId}`, { headers: { authorization: `Bearer ${tokenFor('alice')}` }, redirect: 'manual' });
    expect(manual.status).toBe(302);
    const location = manual.headers.get('location')!;
    expect(location).toMatch(/X-Amz-Signature=/);
    const ranged = await fetch(location, { headers: { range: 'bytes=0-15' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(16);
  });

  it('S3ResultStore: store, presence, ranges, presigned URL and removal against the server', async () => {
    const store = new S3ResultStore({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, ...credentials, scratchDir: join(stack.dir, 'scratch') });
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    expect(await store.store('unit-object', (path) => writeFile(path, bytes))).toBe(1000);
    expect(await store.exists('unit-object')).toBe(true);
    expect(await store.stat('unit-object')).toMatchObject({ size: 1000 });
    const read = await store.read('unit-object', { start: 990, end: 999 });
    const chunks: Buffer[] = [];
    for await (const chunk of read!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(bytes.subarray(990));
    expect(read).toMatchObject({ start: 990, end: 999, size: 1000 });
    const link = await store.signedUrl('unit-object', 60, 'x.mp4');
    expect(Buffer.from(await (await fetch(link)).arrayBuffer())).toEqual(bytes);
    await store.remove('unit-object');
    expect(await store.exists('unit-object')).toBe(false);
    expect(await store.read('unit-object')).toBeNull();
    await store.close();
  });
});
