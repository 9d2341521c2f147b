import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import type { Video } from 'openai/resources/videos';
import { makePng } from '../clients/fixtures.js';
import { Api } from '../support/api.js';
import { probeVideo } from '../support/media.js';
import { waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

/** Our extensions (vLLM-Omni style) ride along in the create body; the SDK sends them as form fields. */
type CreateParams = OpenAI.Videos.VideoCreateParams & Record<string, unknown>;

describe('OpenAI Videos API through the official openai package', () => {
  const stack = new TestStack({ THROTTLE_SUBMIT_LIMIT: '1000' });
  let client: OpenAI;
  let native: Api;

  const waitUntilDone = (id: string): Promise<Video> =>
    waitFor(`video ${id}`, async () => {
      const video = await client.videos.retrieve(id);
      return video.status === 'completed' || video.status === 'failed' ? video : undefined;
    }, 60_000);

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 20 }]);
    const token = tokenFor('openai-user');
    client = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: token, maxRetries: 0 });
    native = new Api(stack.baseUrl, token);
  });
  afterAll(() => stack.stop());

  it('creates, polls, downloads and deletes a video; the task reads back through the native API', async () => {
    const created = await client.videos.create({ prompt: 'a paper boat on a pond', size: '256x256', seconds: '1', num_inference_steps: 3, seed: 11 } as unknown as CreateParams);
    expect(created).toMatchObject({ object: 'video', status: 'queued', model: 'easyanimate-v5.1-12b', size: '256x256', seconds: '1', progress: 0, error: null });
    expect(typeof created.created_at).toBe('number');

    const done = await waitUntilDone(created.id);
    expect(done).toMatchObject({ status: 'completed', progress: 100, prompt: 'a paper boat on a pond', seconds: '1', size: '256x256' });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);

    const content = await client.videos.downloadContent(created.id);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    const file = join(stack.dir, 'openai.mp4');
    await writeFile(file, Buffer.from(await content.arrayBuffer()));
    // 1 second at EasyAnimate's 8 fps
    expect(await probeVideo(file)).toEqual({ codec: 'h264', width: 256, height: 256, frames: 8 });

    const task = await native.status(created.id);
    expect(task).toMatchObject({ status: 'COMPLETED', model: 'easyanimate-v5.1-12b', mode: 't2v' });
    expect(task.effective).toMatchObject({ width: 256, height: 256, numFrames: 8, seed: 11 });

    expect(await client.videos.delete(created.id)).toEqual({ id: created.id, object: 'video.deleted', deleted: true });
    await expect(client.videos.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect((await native.request('GET', `/api/video/status/${created.id}`)).status).toBe(404);
  });

  it('deletes a video shared with a cache hit without taking it from the other task', async () => {
    const params = { prompt: 'a shared lighthouse', size: '256x256', seconds: '1', num_inference_steps: 2, seed: 21 } as unknown as CreateParams;
    const first = await client.videos.create(params);
    await waitUntilDone(first.id);
    const hit = await client.videos.create(params); // same seeded request: answered from the result cache
    expect(hit.status).toBe('completed');
    expect(await client.videos.delete(first.id)).toMatchObject({ deleted: true });
    const content = await client.videos.downloadContent(hit.id);
    expect(content.status).toBe(200);
    expect((await content.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(await client.videos.delete(hit.id)).toMatchObject({ deleted: true });
    // The last task showing it is gone, and so is the cache entry: the same request renders again.
    const again = await client.videos.create(params);
    expect(again.status).toBe('queued');
  });

  it('makes an image-to-video task from an input_reference file', async () => {
    const image = await toFile(makePng(320, 240), 'first-frame.png', { type: 'image/png' });
    const created = await client.videos.create({ prompt: 'the frame comes alive', size: '256x256', seconds: '1', input_reference: image, num_inference_steps: 2 } as unknown as CreateParams);
    const done = await waitUntilDone(created.id);
    expect(done.status).toBe('completed');
    expect(await native.status(created.id)).toMatchObject({ mode: 'i2v', status: 'COMPLETED' });
  });

  it('lists videos newest first, a page at a time, with has_more and after', async () => {
    const lister = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: tokenFor('lister'), maxRetries: 0 });
    const ids: string[] = [];
    for (const prompt of ['one', 'two', 'three']) {
      ids.push((await lister.videos.create({ prompt, size: '256x256', seconds: '1', num_inference_steps: 1 } as unknown as CreateParams)).id);
    }
    const first = await lister.videos.list({ limit: 2 });
    expect(first.data.map((video) => video.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    expect(first.hasNextPage()).toBe(true);
    const second = await first.getNextPage();
    expect(second.data.map((video) => video.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);

    const all: string[] = [];
    for await (const video of lister.videos.list({ limit: 1, order: 'asc' })) all.push(video.id);
    expect(all).toEqual(ids);
    // Nobody else's videos show up.
    expect((await client.videos.list({ limit: 100 })).data.map((video) => video.id)).not.toContain(ids[0]);
  });

  it("answers errors in OpenAI's shape, naming the parameter", async () => {
    const tooLong = client.videos.create({ prompt: 'too long', seconds: '12' });
    await expect(tooLong).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const error = (await tooLong.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.param).toBe('seconds');
    expect(error.message).toMatch(/seconds: easyanimate-v5\.1-12b makes .* to 6\.125 seconds \(8 fps, 1-49 frames\); got 12/);

    const raw = await fetch(`${stack.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('openai-user')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', size: '250x256', model: 'easyanimate-v5.1-12b' }),
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(await raw.json()).toEqual({
      error: { message: expect.stringMatching(/^size: size must be a multiple of 16/), type: 'invalid_request_error', param: 'size', code: 'invalid_value' },
    });

    const unknownModel = await client.videos.create({ prompt: 'x', model: 'sora-2' }).catch((e: unknown) => e);
    expect(unknownModel).toMatchObject({ status: 400, param: 'model' });

    const stranger = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: 'not-a-jwt', maxRetries: 0 });
    const denied = await stranger.videos.list().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(denied).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
  });

  it('answers 503 naming the model when a compatibility API targets a model this gateway does not serve', async () => {
    const response = await native.request('POST', '/compat/opensora/v1/generate', { prompt: 'a red ball bouncing' });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toMatch(/opensora-2\.0.*add it to MODELS/);
    expect((await native.request('POST', '/compat/wan/video/submit', { prompt: 'a swan on a lake' })).status).toBe(503);
  });

  it('cancels a running video on delete (409 until it has stopped), then deletes it', async () => {
    const created = await client.videos.create({ prompt: 'slow', size: '256x256', seconds: '1', num_inference_steps: 100 } as unknown as CreateParams);
    await waitFor('in progress', async () => {
      const video = await client.videos.retrieve(created.id);
      return video.status === 'in_progress' && video.progress > 0;
    });
    const refused = await client.videos.delete(created.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.ConflictError);
    const stopped = await waitUntilDone(created.id);
    expect(stopped).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
    expect((await native.status(created.id)).status).toBe('CANCELLED');
    const notReady = await client.videos.downloadContent(created.id).catch((e: unknown) => e);
    expect(notReady).toMatchObject({ status: 409 });
    expect(await client.videos.delete(created.id)).toMatchObject({ deleted: true });
  });
});
