import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Api } from '../support/api.js';
import { generationsStarted } from '../support/model-service-probe.js';
import { TestStack, tokenFor } from '../support/stack.js';

const TINY = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 };

/** Retention on real processes: results live 3 s here, and the repeatable sweep runs every 300 ms. */
describe('results: retention', () => {
  const stack = new TestStack({ THROTTLE_ENABLED: 'false', RESULT_RETENTION_SECONDS: '3', RESULT_RETENTION_SWEEP_MS: '300', LOG_LEVEL: 'warn' });
  let alice: Api;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 10 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
  });
  afterAll(() => stack.stop());

  it('deletes old results from storage and Redis: the tasks say EXPIRED and the result answers 410', async () => {
    const origin = await alice.submit({ prompt: 'short-lived', ...TINY, seed: 8 });
    await alice.waitForStatus(origin.taskId, 'COMPLETED');
    const hit = await alice.submit({ prompt: 'short-lived', ...TINY, seed: 8 });
    expect(hit).toMatchObject({ status: 'COMPLETED', cached: true });
    const file = join(stack.dir, 'data', 'results', `${origin.taskId}.mp4`);
    expect(existsSync(file)).toBe(true);
    expect((await alice.request('GET', `/api/video/result/${origin.taskId}`)).status).toBe(200);

    const expired = await alice.waitForStatus(origin.taskId, 'EXPIRED', 20_000);
    expect(expired.resultUrl).toBeNull();
    expect(expired.shareUrl).toBeNull();
    expect((await alice.status(hit.taskId)).status).toBe('EXPIRED');
    expect(existsSync(file)).toBe(false);
    const gone = await alice.request('GET', `/api/video/result/${origin.taskId}`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');

    // The cache entry went with it: the same request renders again.
    const before = await generationsStarted(stack.modelServices[0]!.url);
    const again = await alice.submit({ prompt: 'short-lived', ...TINY, seed: 8 });
    expect(again).toMatchObject({ status: 'PENDING', cached: false });
    await alice.waitForStatus(again.taskId, 'COMPLETED');
    expect(await generationsStarted(stack.modelServices[0]!.url)).toBe(before + 1);
  });
});
