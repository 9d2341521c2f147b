import { join } from 'node:path';
import { Api } from '../support/api.js';
import { probeVideo } from '../support/media.js';
import { TestStack, tokenFor } from '../support/stack.js';

describe('job flow: submit, poll, download, cancel', () => {
  const stack = new TestStack();
  let alice: Api;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 30 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
  });
  afterAll(() => stack.stop());

  it('turns a prompt into an H.264 MP4 with the effective size and frame count', async () => {
    const submitted = await alice.submit({ prompt: 'a red fox running through snow', width: 256, height: 384, numFrames: 9, numInferenceSteps: 4, seed: 7 });
    expect(submitted).toMatchObject({ status: 'PENDING', progress: 0 });
    expect(submitted.taskId).toMatch(/^[0-9a-f-]{36}$/);

    const done = await alice.waitForStatus(submitted.taskId, 'COMPLETED');
    expect(done.progress).toBe(1);
    expect(done.effective).toMatchObject({ width: 256, height: 384, numFrames: 9, seed: 7 });
    expect(done.resultUrl).toBe(`/api/video/result/${submitted.taskId}`);

    const file = join(stack.dir, 'fox.mp4');
    const response = await alice.download(submitted.taskId, file);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('content-disposition')).toContain(`${submitted.taskId}.mp4`);
    expect(await probeVideo(file)).toEqual({ codec: 'h264', width: 256, height: 384, frames: 9 });
  });

  it('answers Range requests with 206 and an unsatisfiable range with 416', async () => {
    const { taskId } = await alice.submit({ prompt: 'range test', width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 });
    await alice.waitForStatus(taskId, 'COMPLETED');
    const partial = await alice.request('GET', `/api/video/result/${taskId}`, undefined, { range: 'bytes=0-99' });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
    const beyond = await alice.request('GET', `/api/video/result/${taskId}`, undefined, { range: 'bytes=99999999-' });
    expect(beyond.status).toBe(416);
  });

  it('cancels a pending job (it leaves the queue) and a running one (stopped at the model service)', async () => {
    const running = await alice.submit({ prompt: 'long running', width: 256, height: 256, numFrames: 3, numInferenceSteps: 100 });
    await alice.waitForStatus(running.taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const pending = await alice.submit({ prompt: 'never to run', width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 });
    expect((await alice.status(pending.taskId)).queuePosition).toBe(1);

    const cancelPending = await alice.request('DELETE', `/api/video/${pending.taskId}`);
    expect(cancelPending.status).toBe(200);
    expect(await cancelPending.json()).toMatchObject({ status: 'CANCELLED' });

    const cancelRunning = await alice.request('DELETE', `/api/video/${running.taskId}`);
    expect(cancelRunning.status).toBe(202);
    const cancelled = await alice.waitForStatus(running.taskId, 'CANCELLED', 10_000);
    expect(cancelled.progress).toBeLessThan(1);

    const again = await alice.request('DELETE', `/api/video/${running.taskId}`);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    // The cancelled pending job never ran: it is still CANCELLED after the service went idle.
    expect((await alice.status(pending.taskId)).status).toBe('CANCELLED');
  });

  it('refuses requests without a valid token with 401 problem+json', async () => {
    const anonymous = await fetch(`${stack.baseUrl}/api/video/status/00000000-0000-0000-0000-000000000000`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const forged = new Api(stack.baseUrl, tokenFor('mallory', {}, 'another-secret-another-secret-xx'));
    expect((await forged.request('GET', '/api/video/status/00000000-0000-0000-0000-000000000000')).status).toBe(401);
  });

  it('names the field and the allowed range when a parameter is out of range', async () => {
    const response = await alice.request('POST', '/api/video/generate', { prompt: 'x', width: 250, numFrames: 80 });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string; message: string }> };
    const fields = problem.errors.map((error) => error.field).sort();
    expect(fields).toEqual(['numFrames', 'width']);
    expect(problem.errors.find((error) => error.field === 'width')?.message).toMatch(/16.*256.*1344|256.*1344.*16/);
  });

  it('hides other principals\u2019 tasks behind 404', async () => {
    const { taskId } = await alice.submit({ prompt: 'private', width: 256, height: 256, numFrames: 1, numInferenceSteps: 1 });
    const bob = new Api(stack.baseUrl, tokenFor('bob'));
    expect((await bob.request('GET', `/api/video/status/${taskId}`)).status).toBe(404);
    expect((await bob.request('DELETE', `/api/video/${taskId}`)).status).toBe(404);
    expect((await bob.request('GET', `/api/video/result/${taskId}`)).status).toBe(404);
  });
});
