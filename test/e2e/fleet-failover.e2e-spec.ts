import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api } from '../support/api.js';
import { fleetRow, serviceCounters, TaskRecords } from '../support/fleet.js';
import { waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const small = (prompt: string, steps: number) => ({ prompt, width: 256, height: 256, numFrames: 3, numInferenceSteps: steps });

/**
 * Two model services; one is SIGKILLed while it generates. Its job must finish on the other, its breaker must
 * open (one failure is enough here), it gets nothing while it is down, and after its restart the half-open
 * breaker lets a probe job through and it takes jobs again.
 */
describe('fleet failover: a model service killed mid-job', () => {
  const stack = new TestStack({ BREAKER_VOLUME_THRESHOLD: '1', BREAKER_RESET_TIMEOUT_MS: '3000', JOB_ATTEMPTS: '3', THROTTLE_ENABLED: 'false' });
  let api: Api;
  let victim: { url: string; port: number; process: { stop(signal?: NodeJS.Signals): Promise<void> } };
  let survivor: string;
  let records: TaskRecords;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 40 }, { stepDelayMs: 40 }]);
    api = new Api(stack.baseUrl, tokenFor('dana'));
    records = new TaskRecords(stack.redisUrl);
  });
  afterAll(async () => {
    records?.close();
    await stack.stop();
  });

  it('finishes the job on the other service and opens the dead one’s breaker', async () => {
    const { taskId } = await api.submit(small('dies with its GPU', 40));
    await api.waitForStatus(taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const runningOn = await records.serviceOf(taskId);
    const found = stack.modelServices.find((service) => service.url === runningOn);
    expect(found).toBeDefined();
    victim = found!;
    survivor = stack.modelServices.find((service) => service !== found)!.url;

    await victim.process.stop('SIGKILL');

    const done = await api.waitForStatus(taskId, 'COMPLETED');
    expect(await records.serviceOf(taskId)).toBe(survivor);
    expect(done.attempts).toBe(2);
    const row = await waitFor('breaker open', async () => {
      const entry = await fleetRow(stack.dispatcherPort, victim.url);
      return entry?.state === 'DOWN' && entry.breaker === 'OPEN' ? entry : undefined;
    });
    expect(row.lastError).toBeTruthy();
  });

  it('sends it nothing while it is down', async () => {
    const tasks = await Promise.all([1, 2, 3].map((i) => api.submit(small(`while down ${i}`, 4))));
    for (const { taskId } of tasks) {
      const done = await api.waitForStatus(taskId, 'COMPLETED');
      expect(await records.serviceOf(taskId)).toBe(survivor);
      expect(done.attempts).toBe(1);
    }
  });

  it('gives it jobs again once it is back: the half-open breaker lets a probe through and closes', async () => {
    await stack.startModelService({ stepDelayMs: 40 }, victim.port);
    await waitFor('service back and breaker closed again', async () => {
      // Jobs keep coming; one of them is the probe that closes the breaker.
      const { taskId } = await api.submit(small('probe', 2));
      await api.waitForStatus(taskId, 'COMPLETED');
      const entry = await fleetRow(stack.dispatcherPort, victim.url);
      return entry?.state === 'READY' && entry.breaker === 'CLOSED';
    }, 30_000, 200);

    // Two jobs at once: each idle service takes one.
    const pair = await Promise.all([1, 2].map((i) => api.submit(small(`after recovery ${i}`, 20))));
    const services = new Set<string | undefined>();
    for (const { taskId } of pair) {
      await api.waitForStatus(taskId, 'COMPLETED');
      services.add(await records.serviceOf(taskId));
    }
    expect(services).toEqual(new Set([victim.url, survivor]));
    expect((await serviceCounters(victim.url)).completed).toBeGreaterThanOrEqual(1);
  });
});

/**
 * The generation succeeded but the dispatcher could not store the video (its results directory is broken for a
 * moment): the retry fetches the finished video from the same service instead of generating it again.
 */
describe('fleet retries: a made video that could not be stored', () => {
  const stack = new TestStack({ JOB_BACKOFF_MS: '1500', THROTTLE_ENABLED: 'false' });
  let api: Api;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 20 }, { stepDelayMs: 20 }]);
    api = new Api(stack.baseUrl, tokenFor('olga'));
  });
  afterAll(() => stack.stop());

  it('downloads it again from the service that made it; no second generation', async () => {
    const results = join(stack.dir, 'data', 'results');
    const before = await Promise.all(stack.modelServices.map((service) => serviceCounters(service.url)));
    renameSync(results, `${results}.away`);
    writeFileSync(results, 'not a directory'); // writing <id>.mp4.part under it fails with ENOTDIR
    try {
      const { taskId } = await api.submit(small('made once', 4));
      const failedOnce = await api.waitForStatus(taskId, (task) => task.error?.code === 'result_not_stored');
      expect(failedOnce.status).toBe('PROCESSING');
      rmSync(results);
      renameSync(`${results}.away`, results);
      const done = await api.waitForStatus(taskId, 'COMPLETED');
      expect(done.attempts).toBe(2);
      expect((await api.request('GET', `/api/video/result/${taskId}`)).status).toBe(200);
    } finally {
      if (existsSync(`${results}.away`)) {
        rmSync(results, { force: true });
        renameSync(`${results}.away`, results);
      }
    }
    const after = await Promise.all(stack.modelServices.map((service) => serviceCounters(service.url)));
    const generations = after.reduce((sum, counters, i) => sum + counters.submitted - before[i]!.submitted, 0);
    expect(generations).toBe(1);
  });
});
