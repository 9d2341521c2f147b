import { join } from 'node:path';
import { Api } from '../support/api.js';
import { probeVideo } from '../support/media.js';
import { TestStack, tokenFor } from '../support/stack.js';

/**
 * One procedural service that reports a 16 GB GPU. The dispatcher fits each request to it with the EasyAnimate
 * V5.1 12B VRAM table (REFERENCE.md §1) and says what it changed; jobs leave the queue by priority.
 */
describe('fleet routing: VRAM-aware parameters and priorities on a 16 GB service', () => {
  const stack = new TestStack({ THROTTLE_ENABLED: 'false', HIGH_PRIORITY_ROLES: 'video:admin' });
  let alice: Api;
  let admin: Api;

  beforeAll(async () => {
    await stack.start([{ vramGb: 16, stepDelayMs: 30 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
    admin = new Api(stack.baseUrl, tokenFor('root', { roles: ['video:generate', 'video:admin'] }));
  });
  afterAll(() => stack.stop());

  it('runs 576x1008x49 on EasyAnimate-12B with sequential CPU offload, as the 16 GB row says, and reports it', async () => {
    const { taskId } = await alice.submit({ prompt: 'a lighthouse at dusk', model: 'easyanimate-v5.1-12b', width: 1008, height: 576, numFrames: 49, numInferenceSteps: 2 });
    const done = await alice.waitForStatus(taskId, 'COMPLETED');
    expect(done.effective).toMatchObject({ width: 1008, height: 576, numFrames: 49, memoryMode: 'sequential_cpu_offload' });
    expect(done.adjustments).toEqual([
      expect.objectContaining({ field: 'memoryMode', to: 'sequential_cpu_offload', reason: expect.stringMatching(/16 GB row/) }),
    ]);
    const file = join(stack.dir, 'lighthouse.mp4');
    expect((await alice.download(taskId, file)).status).toBe(200);
    expect(await probeVideo(file)).toMatchObject({ width: 1008, height: 576, frames: 49 });
  });

  it('shrinks 1344x768x49, which no memory mode fits on 16 GB, to the largest same-shape size that does, with the reason', async () => {
    const { taskId } = await alice.submit({ prompt: 'a harbour in the rain', width: 1344, height: 768, numFrames: 49, numInferenceSteps: 2 });
    const done = await alice.waitForStatus(taskId, 'COMPLETED');
    expect(done.effective).toMatchObject({ width: 1008, height: 576, numFrames: 49, memoryMode: 'sequential_cpu_offload' });
    const byField = Object.fromEntries(done.adjustments.map((adjustment) => [adjustment.field, adjustment]));
    expect(byField.width).toMatchObject({ from: 1344, to: 1008, reason: expect.stringMatching(/does not fit.*same aspect ratio/) });
    expect(byField.height).toMatchObject({ from: 768, to: 576 });
    expect(done.requested).toMatchObject({ width: 1344, height: 768, numFrames: 49 });
  });

  it('refuses priority high to callers without a HIGH_PRIORITY_ROLES role with a 403 naming the field', async () => {
    const response = await alice.request('POST', '/api/video/generate', { prompt: 'me first', priority: 'high' });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((error) => error.field)).toEqual(['priority']);
  });

  it('takes a high-priority job before the normal ones that waited longer, and low ones last', async () => {
    const job = (prompt: string, priority: string, steps = 3) => ({ prompt, priority, width: 256, height: 256, numFrames: 3, numInferenceSteps: steps });
    const blocker = await alice.submit(job('occupies the GPU', 'normal', 40));
    await alice.waitForStatus(blocker.taskId, 'PROCESSING');
    const low = await alice.submit(job('low', 'low'));
    const normal = [];
    for (const i of [1, 2, 3]) normal.push(await alice.submit(job(`normal ${i}`, 'normal')));
    const high = await admin.submit(job('urgent', 'high'));
    expect((await alice.status(normal[0]!.taskId)).queuePosition).toBe(2); // behind the high one

    const started = async (taskId: string) => Date.parse((await admin.waitForStatus(taskId, 'COMPLETED')).startTime as string);
    const highStart = await started(high.taskId);
    const normalStarts = [];
    for (const { taskId } of normal) normalStarts.push(await started(taskId));
    const lowStart = await started(low.taskId);
    expect(highStart).toBeLessThan(Math.min(...normalStarts));
    expect(normalStarts).toEqual([...normalStarts].sort((a, b) => a - b)); // FIFO within a priority
    expect(lowStart).toBeGreaterThan(Math.max(...normalStarts));
  });
});
