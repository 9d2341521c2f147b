import { Api } from '../support/api.js';
import { generationsStarted } from '../support/model-service-probe.js';
import { TestStack, tokenFor } from '../support/stack.js';

describe('recovery: nothing accepted is lost', () => {
  const stack = new TestStack();
  let api: Api;
  let serviceUrl: string;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 40 }]);
    api = new Api(stack.baseUrl, tokenFor('carol'));
    serviceUrl = stack.modelServices[0]!.url;
  });
  afterAll(() => stack.stop());

  it('finishes a job whose dispatcher was SIGKILLed mid-run, without a second generation', async () => {
    const before = await generationsStarted(serviceUrl);
    const { taskId } = await api.submit({ prompt: 'survives a dispatcher crash', width: 256, height: 256, numFrames: 5, numInferenceSteps: 60 });
    await api.waitForStatus(taskId, (task) => task.status === 'PROCESSING' && task.progress > 0.1);

    await stack.dispatcher!.stop('SIGKILL');
    await stack.startDispatcher();

    const done = await api.waitForStatus(taskId, 'COMPLETED', 60_000);
    expect(done.progress).toBe(1);
    expect(await generationsStarted(serviceUrl)).toBe(before + 1);
    expect((await api.request('GET', `/api/video/result/${taskId}`)).status).toBe(200);
  });

  it('keeps every queued job when Redis is SIGKILLed and restarted on its AOF file', async () => {
    // Hold the jobs in the queue: no dispatcher while they are submitted and Redis dies.
    await stack.dispatcher!.stop();
    const submitted = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api.submit({ prompt: `queued job ${i}`, width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 })),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // appendfsync everysec
    await stack.redis!.stop('SIGKILL');
    await stack.startRedis();
    await stack.startDispatcher();

    for (const { taskId } of submitted) {
      const done = await api.waitForStatus(taskId, 'COMPLETED', 60_000);
      expect(done.progress).toBe(1);
    }
  });
});
