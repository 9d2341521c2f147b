import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Bull from 'bull';
import { generationQueueName } from '@app/contracts';
import { Api } from '../support/api.js';
import { generationsStarted } from '../support/model-service-probe.js';
import { TestStack, tokenFor } from '../support/stack.js';

const tiny = (prompt: string, steps = 1) => ({ prompt, width: 256, height: 256, numFrames: 1, numInferenceSteps: steps });

describe('graceful shutdown on SIGTERM: nothing accepted is lost', () => {
  const stack = new TestStack({
    // A burst from one caller must not be throttled or refused by admission control in this suite.
    THROTTLE_ENABLED: 'false',
    ADMISSION_ENABLED: 'false',
    MAX_WAITING_JOBS: '1000',
    MAX_UNFINISHED_PER_PRINCIPAL: '1000',
  });
  let api: Api;
  const generations = async () => (await Promise.all(stack.modelServices.map((service) => generationsStarted(service.url)))).reduce((a, b) => a + b, 0);
  const logLines = (name: string) =>
    readFileSync(join(stack.logDir, `${name}.log`), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  /** Where the task's Bull job stands in Redis now. */
  const bullJob = async (taskId: string) => {
    const queue = new Bull(generationQueueName('easyanimate-v5.1-12b'), stack.redisUrl);
    try {
      const job = await queue.getJob(taskId);
      return { state: await job?.getState(), attemptsMade: job?.attemptsMade };
    } finally {
      await queue.close();
    }
  };

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 40 }, { stepDelayMs: 40 }]);
    api = new Api(stack.baseUrl, tokenFor('dora'));
  });
  afterAll(() => stack.stop());

  it('hands a running job back when the grace period is over; the next dispatcher re-attaches and completes it', async () => {
    await stack.dispatcher!.stop();
    await stack.startDispatcher({ SHUTDOWN_GRACE_MS: '300' });
    const before = await generations();
    const { taskId } = await api.submit(tiny('outlives its dispatcher', 80));
    await api.waitForStatus(taskId, (task) => task.status === 'PROCESSING' && task.progress > 0.1);

    const old = stack.dispatcher!;
    await old.stop('SIGTERM');
    expect(await old.waitForExit()).toBe(0);
    const lines = logLines('dispatcher');
    expect(lines.some((line) => line.msg === 'draining: readiness is DOWN')).toBe(true);
    expect(lines.some((line) => line.taskId === taskId && String(line.msg).includes('handed back'))).toBe(true);
    // Handed back, not failed: the task is still running on its model service, and its job is back in the
    // queue at once (delayed by the short hand-back pause), not left active until its lock lapses.
    expect((await api.status(taskId)).status).toBe('PROCESSING');
    const job = await bullJob(taskId);
    expect(['delayed', 'waiting']).toContain(job.state);
    expect(job.attemptsMade).toBe(0);

    await stack.startDispatcher({ SHUTDOWN_GRACE_MS: '20000' });
    const done = await api.waitForStatus(taskId, 'COMPLETED', 60_000);
    expect(done.progress).toBe(1);
    expect(await generations()).toBe(before + 1); // re-attached: no second generation
    expect((await api.request('GET', `/api/video/result/${taskId}`)).status).toBe(200);
  });

  it('lets a running job finish within the grace period before the dispatcher exits', async () => {
    const { taskId } = await api.submit(tiny('finishes during shutdown', 25));
    await api.waitForStatus(taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const dispatcher = stack.dispatcher!;
    await dispatcher.stop('SIGTERM', 30_000);
    expect(await dispatcher.waitForExit()).toBe(0);
    // No dispatcher runs now: the job was completed by the one that was shutting down.
    expect((await api.status(taskId)).status).toBe('COMPLETED');
    await stack.startDispatcher();
  });

  it('answers or refuses every request of a burst during a gateway SIGTERM; every 202 task exists and completes', async () => {
    const outcomes: Array<{ status: number; taskId?: string } | { error: string }> = [];
    let answered = 0;
    let stopping: Promise<void> | undefined;
    const gateway = stack.gateway!;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        // Staggered, so some requests are in flight when the signal lands and some come after it.
        await new Promise((resolve) => setTimeout(resolve, i * 5));
        try {
          const response = await api.request('POST', '/api/video/generate', tiny(`burst ${i}`));
          const body = (await response.json().catch(() => ({}))) as { taskId?: string };
          outcomes.push({ status: response.status, taskId: body.taskId });
        } catch (error) {
          outcomes.push({ error: String(error) });
        }
        answered += 1;
        if (answered === 8) stopping = gateway.stop('SIGTERM', 30_000);
      }),
    );
    await stopping;
    expect(await gateway.waitForExit()).toBe(0);
    expect(logLines('gateway').some((line) => line.msg === 'shutdown complete')).toBe(true);

    const accepted = outcomes.flatMap((outcome) => ('status' in outcome && outcome.status === 202 && outcome.taskId ? [outcome.taskId] : []));
    const refused = outcomes.filter((outcome) => !('status' in outcome && outcome.status === 202));
    expect(accepted.length).toBeGreaterThanOrEqual(8);
    // Anything not accepted was refused outright (connection refused/closed or 503), never half-done.
    for (const outcome of refused) expect('error' in outcome || outcome.status === 503).toBe(true);

    await stack.startGateway();
    for (const taskId of accepted) {
      const done = await api.waitForStatus(taskId, 'COMPLETED', 90_000);
      expect(done.progress).toBe(1);
    }
  });
});
