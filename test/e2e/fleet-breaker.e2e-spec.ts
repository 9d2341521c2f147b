import { Api } from '../support/api.js';
import { fleetRow, serviceCounters, TaskRecords } from '../support/fleet.js';
import { waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const small = (prompt: string, steps: number) => ({ prompt, width: 256, height: 256, numFrames: 3, numInferenceSteps: steps });

/** A PNG whose signature, IHDR (256x256) and CRCs are right but whose pixel data is not zlib: only decoding finds out. */
const UNDECODABLE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAIAAADTED8xAAAAFElEQVRub3QgemxpYiBkYXRhIGF0IGFsbCK0NhEAAAAASUVORK5CYII=';

/**
 * Three services: one fails every job (FAIL_MODE=always), one dies on its first job (FAIL_MODE=exit), one is healthy.
 * Every job still completes, on the healthy one; the failing one gets at most BREAKER_VOLUME_THRESHOLD jobs
 * before its breaker opens (reset far beyond the test, so no half-open probe); the model's refusal of an
 * input fails a job at once, without a retry.
 */
describe('fleet breakers and retries', () => {
  const threshold = 3;
  const stack = new TestStack({
    BREAKER_VOLUME_THRESHOLD: String(threshold),
    BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50',
    BREAKER_RESET_TIMEOUT_MS: '600000',
    JOB_ATTEMPTS: '3',
    THROTTLE_ENABLED: 'false',
  });
  let api: Api;
  let records: TaskRecords;
  let failing: string;
  let dying: string;
  let healthy: string;

  beforeAll(async () => {
    await stack.startRedis();
    failing = await stack.startModelService({ stepDelayMs: 10, env: { FAIL_MODE: 'always', FAIL_AT_STEP: '1' } });
    dying = await stack.startModelService({ stepDelayMs: 10, env: { FAIL_MODE: 'exit', FAIL_AT_STEP: '1' } });
    healthy = await stack.startModelService({ stepDelayMs: 40 });
    await stack.startDispatcher();
    await stack.startGateway();
    api = new Api(stack.baseUrl, tokenFor('erin'));
    records = new TaskRecords(stack.redisUrl);
  });
  afterAll(async () => {
    records?.close();
    await stack.stop();
  });

  it('completes every job on the healthy service; the failing one never gets more than the breaker threshold', async () => {
    const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) => api.submit(small(`job ${i}`, 6))));
    for (const { taskId } of tasks) {
      const done = await api.waitForStatus(taskId, 'COMPLETED');
      expect(done.attempts).toBeLessThanOrEqual(3);
      expect(await records.serviceOf(taskId)).toBe(healthy);
    }
    // Each job failed at most once per service: a retry never went back to a service it failed on.
    const retried = await Promise.all(tasks.map(async ({ taskId }) => Number((await api.status(taskId)).attempts)));
    expect(Math.max(...retried)).toBeLessThanOrEqual(3);

    const counters = await serviceCounters(failing);
    expect(counters.submitted).toBeLessThanOrEqual(threshold);
    expect(counters.failed).toBe(counters.submitted);
    if (counters.submitted === threshold) {
      expect((await fleetRow(stack.dispatcherPort, failing))?.breaker).toBe('OPEN');
    }
    // The service that exited on its first job is down and was not used again.
    const dead = await waitFor('dead service marked down', async () => {
      const row = await fleetRow(stack.dispatcherPort, dying);
      return row?.state === 'DOWN' ? row : undefined;
    });
    expect(dead.inFlightTask).toBeNull();
  });

  it('keeps the failing service’s worker paused while its breaker is open: new jobs all go to the healthy one', async () => {
    const before = await serviceCounters(failing);
    const tasks = await Promise.all(Array.from({ length: 4 }, (_, i) => api.submit(small(`later ${i}`, 2))));
    for (const { taskId } of tasks) {
      const done = await api.waitForStatus(taskId, 'COMPLETED');
      expect(done.attempts).toBe(1);
    }
    expect((await serviceCounters(failing)).submitted).toBe(before.submitted);
  });

  it('fails at once, without a retry, when the model service refuses the input (422 invalid_input)', async () => {
    const { taskId } = await api.submit({ ...small('an image the model cannot read', 2), imageUrl: `data:image/png;base64,${UNDECODABLE_PNG}` });
    const failed = await api.waitForStatus(taskId, 'FAILED');
    expect(failed.attempts).toBe(1);
    expect(failed.error?.code).toBe('invalid_input');
    expect(failed.error?.message).toMatch(/image/);
  });
});
