import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ImageServer } from '../clients/fixtures.js';
import { Api } from '../support/api.js';
import { probeVideo } from '../support/media.js';
import { REPO_ROOT, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const run = promisify(execFile);

/** The model service's venv has requests (a diffusers dependency); otherwise a small venv under .cache gets it once. */
async function pythonWithRequests(): Promise<string> {
  const venvPython = join(REPO_ROOT, 'model-service', '.venv', 'bin', 'python');
  const importsRequests = (python: string) => run(python, ['-c', 'import requests']).then(() => true, () => false);
  if (await importsRequests(venvPython)) return venvPython;
  const cached = join(REPO_ROOT, '.cache', 'seed-client-venv');
  const python = join(cached, 'bin', 'python');
  if (!existsSync(python)) await run('python3', ['-m', 'venv', cached]);
  if (!(await importsRequests(python))) await run(python, ['-m', 'pip', 'install', '-q', 'requests'], { timeout: 120_000 });
  return python;
}

/** The curl examples of seeds/001 (使用示例 → 基础示例), as written there. */
const WAN_SUBMIT_EXAMPLE = `curl -X POST "http://localhost:8088/video/submit" \\
-H "Content-Type: application/json" \\
-d '{
  "prompt": "A serene lake with a swan gracefully swimming",
  "image_url": "https://picsum.photos/1280/720",
  "num_frames": 81,
  "guidance_scale": 3.0,
  "infer_steps": 30
}'`;
const WAN_STATUS_EXAMPLE = `curl -X POST "http://localhost:8088/video/status" \\
-H "Content-Type: application/json" \\
-d '{"requestId": "your-task-id-here"}'`;

/** What a user of that API changes: the base URL and a bearer token (and, here without Internet, the image host). */
function pointAtGateway(example: string, baseUrl: string, token: string, imageOrigin: string): string {
  return example
    .replace('http://localhost:8088', baseUrl)
    .replace('https://picsum.photos', imageOrigin)
    .replace(/^curl (.*) \\\n/, `curl $1 \\\n-H "Authorization: Bearer ${token}" \\\n`);
}

async function shell(script: string, cwd: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', script], { cwd, timeout: 60_000 });
  return stdout;
}

describe('compatibility APIs of the seed systems (Open-Sora, Wan2.1)', () => {
  const images = new ImageServer();
  // Many submits in a few seconds: the submit budget (tested by the guard suites) is raised here.
  const settings: Record<string, string> = { MODELS: 'easyanimate-v5.1-12b,opensora-2.0,wan2.1-i2v-14b-720p', THROTTLE_SUBMIT_LIMIT: '1000' };
  const stack = new TestStack(settings);
  const token = tokenFor('seed-client');
  let native: Api;

  beforeAll(async () => {
    await images.start();
    // The image host is on loopback: allow-listed for this suite only (the SSRF guard refuses loopback otherwise).
    settings.OUTBOUND_ALLOW_LIST = `127.0.0.1:${images.port}`;
    await stack.start([
      { model: 'opensora-2.0', stepDelayMs: 2 },
      { model: 'wan2.1-i2v-14b-720p', stepDelayMs: 20 },
    ]);
    native = new Api(stack.baseUrl, token);
  });
  afterAll(async () => {
    await stack.stop();
    await images.stop();
  });

  describe('Open-Sora job API at /compat/opensora', () => {
    const base = () => `${stack.baseUrl}/compat/opensora`;

    it("runs the seed's Python client, changed only in base URL and token, to a downloaded MP4", async () => {
      const python = await pythonWithRequests();
      const cwd = join(stack.dir, 'opensora-client');
      mkdirSync(cwd, { recursive: true });
      const { stdout } = await run(python, [join(REPO_ROOT, 'test', 'clients', 'opensora_client.py')], {
        cwd,
        env: { ...process.env, OPENSORA_BASE_URL: base(), VIDEOGW_TOKEN: token },
        timeout: 90_000,
      });
      const jobId = /任务已提交: ([0-9a-f-]{36})/.exec(stdout)?.[1];
      expect(stdout).toContain('状态: completed');
      expect(stdout).toContain(`视频已保存: ${jobId}.mp4`);
      // resolution 256px at the default 16:9 is 336x192 in Open-Sora 2.0; 49 frames as asked
      expect(await probeVideo(join(cwd, `${jobId}.mp4`))).toEqual({ codec: 'h264', width: 336, height: 192, frames: 49 });

      const task = await native.status(jobId!);
      expect(task).toMatchObject({ status: 'COMPLETED', model: 'opensora-2.0', mode: 't2v' });
      expect(task.effective).toMatchObject({ width: 336, height: 192, numFrames: 49, fps: 24, numInferenceSteps: 50 });
    });

    it("answers the seed's smoke test (curl) and serves the video as {job_id}.mp4 to curl -O", async () => {
      const submitted = await shell(
        `curl -s -X POST ${base()}/v1/generate -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" ` +
          `-d '{"prompt": "a red ball bouncing", "num_frames": 17, "num_steps": 20, "resolution": "256px", "aspect_ratio": "1:1", "seed": 5}' -w '\\n%{http_code}'`,
        stack.dir,
      );
      const [json, code] = submitted.trim().split('\n');
      expect(code).toBe('202');
      const { job_id: jobId, message } = JSON.parse(json!) as { job_id: string; message: string };
      expect(message).toBe('任务已提交');

      const job = await waitFor('completed', async () => {
        const body = JSON.parse(await shell(`curl -s ${base()}/v1/jobs/${jobId} -H "Authorization: Bearer ${token}"`, stack.dir)) as Record<string, unknown>;
        return body.status === 'completed' ? body : undefined;
      });
      expect(job).toMatchObject({ job_id: jobId, status: 'completed', video_url: `/compat/opensora/v1/videos/${jobId}`, error: null, progress: 1, queue_position: null });
      expect(new Date(job.completed_at as string).toISOString()).toBe(job.completed_at);

      const cwd = join(stack.dir, 'curl-o');
      mkdirSync(cwd, { recursive: true });
      await shell(`curl -sf -O ${base()}/v1/videos/${jobId} -H "Authorization: Bearer ${token}"`, cwd);
      expect(await probeVideo(join(cwd, jobId))).toEqual({ codec: 'h264', width: 256, height: 256, frames: 17 });
      const head = await fetch(`${base()}/v1/videos/${jobId}`, { headers: { authorization: `Bearer ${token}` } });
      expect(head.headers.get('content-disposition')).toContain(`filename="${jobId}.mp4"`);
    });

    it("checks the seed's ranges and names its fields", async () => {
      const submit = (body: Record<string, unknown>) =>
        fetch(`${base()}/v1/generate`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const response = await submit({ prompt: 'x', resolution: '512px', motion_score: 9, num_steps: 5, cond_type: 'v2v' });
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const fields = ((await response.json()) as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort();
      expect(fields).toEqual(['cond_type', 'motion_score', 'num_steps', 'resolution']);

      const frames = (await (await submit({ prompt: 'x', num_frames: 50 })).json()) as { errors: Array<{ field: string; message: string }> };
      expect(frames.errors).toEqual([expect.objectContaining({ field: 'num_frames', message: expect.stringContaining('num_frames must be an integer of the form 4n+1') })]);

      const i2v = (await (await submit({ prompt: 'x', cond_type: 'i2v_head' })).json()) as { errors: Array<{ field: string }> };
      expect(i2v.errors.map((error) => error.field)).toEqual(['image_url']);
      expect((await fetch(`${base()}/v1/generate`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    });

    it('makes image-to-video with cond_type i2v_head and an image_url the gateway fetches', async () => {
      const before = images.hits.length;
      const response = await fetch(`${base()}/v1/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a lighthouse at dusk', cond_type: 'i2v_head', image_url: `${images.origin}/400/300`, num_frames: 9, num_steps: 10 }),
      });
      expect(response.status).toBe(202);
      const { job_id: jobId } = (await response.json()) as { job_id: string };
      expect(images.hits.slice(before)).toEqual(['/400/300']);
      expect(await native.waitForStatus(jobId, 'COMPLETED')).toMatchObject({ mode: 'i2v', model: 'opensora-2.0' });
    });
  });

  describe('Wan2.1 API at /compat/wan', () => {
    const base = () => `${stack.baseUrl}/compat/wan`;
    const post = (path: string, body: unknown) =>
      fetch(`${base()}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it("runs the seed's curl examples against the gateway (base URL and token changed)", async () => {
      const submitted = await shell(`${pointAtGateway(WAN_SUBMIT_EXAMPLE, base(), token, images.origin)} -s -w '\\n%{http_code}'`, stack.dir);
      const [json, code] = submitted.trim().split('\n');
      expect(code).toBe('202');
      const { requestId } = JSON.parse(json!) as { requestId: string };
      expect(images.hits).toContain('/1280/720');

      const statusScript = pointAtGateway(WAN_STATUS_EXAMPLE, base(), token, images.origin).replace('your-task-id-here', requestId);
      const done = await waitFor('Succeed', async () => {
        const body = JSON.parse(await shell(`${statusScript} -s`, stack.dir)) as Record<string, unknown>;
        if (body.status === 'Failed') throw new Error(JSON.stringify(body));
        return body.status === 'Succeed' ? body : undefined;
      }, 90_000, 250);
      expect(done).toMatchObject({ status: 'Succeed', reason: null, results: { video_url: `/compat/wan/videos/${requestId}.mp4` }, queue_position: null, progress: 1 });
      expect(done.updated_at as number).toBeGreaterThanOrEqual(done.created_at as number);
      expect(Math.abs((done.created_at as number) - Date.now() / 1000)).toBeLessThan(600); // epoch seconds, not ms

      const file = join(stack.dir, 'wan.mp4');
      await shell(`curl -sf -o ${file} ${stack.baseUrl}${(done.results as { video_url: string }).video_url} -H "Authorization: Bearer ${token}"`, stack.dir);
      expect(await probeVideo(file)).toEqual({ codec: 'h264', width: 1280, height: 720, frames: 81 });

      const task = await native.status(requestId);
      expect(task).toMatchObject({ status: 'COMPLETED', model: 'wan2.1-i2v-14b-720p', mode: 'i2v' });
      expect(task.effective).toMatchObject({ width: 1280, height: 720, numFrames: 81, numInferenceSteps: 30, guidanceScale: 3 });
    });

    it('shows the queue position while InQueue, and cancels (then 409 on a finished task)', async () => {
      const request = { prompt: 'a long queue of swans', image_url: `${images.origin}/1280/720`, num_frames: 25, infer_steps: 100, image_size: '720*1280', sample_shift: 4, ulysses_size: 2 };
      // Different prompts: identical requests would share one GPU job (coalescing).
      const first = (await (await post('/video/submit', request)).json()) as { requestId: string };
      const second = (await (await post('/video/submit', { ...request, prompt: 'a longer queue of swans' })).json()) as { requestId: string };
      await native.waitForStatus(first.requestId, 'PROCESSING');
      // The options travel with the job to the model service (GenerateJobData.extra → the request's `extra`).
      const redis = new Redis(stack.redisUrl);
      const job = JSON.parse((await redis.hget(`bull:video.wan2.1-i2v-14b-720p:${first.requestId}`, 'data')) ?? '{}') as { extra?: unknown };
      redis.disconnect();
      expect(job.extra).toEqual({ sample_shift: 4, ulysses_size: 2 });
      const queued = (await (await post('/video/status', { requestId: second.requestId })).json()) as Record<string, unknown>;
      expect(queued).toMatchObject({ status: 'InQueue', queue_position: 1, results: null, progress: 0 });

      for (const { requestId } of [second, first]) {
        const cancelled = await post('/video/cancel', { requestId });
        expect(cancelled.status).toBe(200);
        expect(await cancelled.json()).toEqual({ status: 'Cancelled' });
      }
      expect(await (await post('/video/status', { requestId: second.requestId })).json()).toMatchObject({ status: 'Cancelled', reason: expect.stringContaining('cancelled') });
      await native.waitForStatus(first.requestId, 'CANCELLED');
      expect((await post('/video/cancel', { requestId: first.requestId })).status).toBe(409);
      expect((await post('/video/status', { requestId: 'no-such-task-0000' })).status).toBe(404);
    });

    it("checks the seed's ranges, the model's sizes and frames, and the image", async () => {
      const response = await post('/video/submit', {
        prompt: 'too short',
        image_url: `${images.origin}/1280/720`,
        image_size: '1920*1080',
        guidance_scale: 25,
        infer_steps: 10,
        sample_solver: 'euler',
        ulysses_size: 0,
      });
      expect(response.status).toBe(422);
      const fields = ((await response.json()) as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort();
      expect(fields).toEqual(['guidance_scale', 'image_size', 'infer_steps', 'prompt', 'sample_solver', 'ulysses_size']);

      const frames = (await (await post('/video/submit', { prompt: 'a swan on a lake', image_url: `${images.origin}/1280/720`, num_frames: 50 })).json()) as {
        errors: Array<{ field: string; message: string }>;
      };
      expect(frames.errors).toEqual([expect.objectContaining({ field: 'num_frames', message: expect.stringMatching(/4n\+1 between 1 and 81/) })]);

      const noImage = (await (await post('/video/submit', { prompt: 'a swan on a lake' })).json()) as { errors: Array<{ field: string; message: string }> };
      expect(noImage.errors).toEqual([{ field: 'image_url', message: expect.stringContaining('input image is required') }]);

      const gif = (await (await post('/video/submit', { prompt: 'a swan on a lake', image_url: `${images.origin}/gif` })).json()) as { errors: Array<{ field: string; message: string }> };
      expect(gif.errors).toEqual([expect.objectContaining({ field: 'image_url', message: expect.stringContaining('not a PNG, JPEG or WebP') })]);

      const missing = (await (await post('/video/submit', { prompt: 'a swan on a lake', image_url: `${images.origin}/missing` })).json()) as { errors: Array<{ message: string }> };
      expect(missing.errors[0]!.message).toContain('HTTP 404');
    });
  });
});
