import { serviceLeaseKey, type FleetMemberSnapshot } from '@app/contracts';
import { Api, type TaskBody } from '../support/api.js';
import { fleetTable, serviceCounters, TaskRecords, type ServiceCounters } from '../support/fleet.js';
import { waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const job = (prompt: string, steps: number) => ({ prompt, width: 256, height: 256, numFrames: 3, numInferenceSteps: steps });
const fast = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000', LEASE_TTL_MS: '2000', THROTTLE_ENABLED: 'false' };

async function counters(urls: string[]): Promise<Map<string, ServiceCounters>> {
  return new Map(await Promise.all(urls.map(async (url) => [url, await serviceCounters(url)] as const)));
}

/**
 * Two dispatcher replicas in front of three model services. Each service is driven by one replica at a time
 * (its Redis lease); when a replica is SIGKILLed the other takes its services over and re-attaches to the
 * generations it left running. The model services' own counters prove it: no 409 from a second driver, and
 * exactly one generation per task.
 */
describe('fleet with two dispatcher replicas', () => {
  const stack = new TestStack(fast);
  const replicas = ['replica-a', 'replica-b'];
  let api: Api;
  let records: TaskRecords;
  let urls: string[];

  const port = (name: string) => stack.dispatchers.get(name)!.port;
  const tables = () => Promise.all(replicas.filter((name) => stack.dispatchers.get(name)!.process.running).map((name) => fleetTable(port(name))));

  beforeAll(async () => {
    await stack.startRedis();
    for (let i = 0; i < 3; i++) await stack.startModelService({ stepDelayMs: 30 });
    urls = stack.modelServices.map((service) => service.url);
    await Promise.all(replicas.map((name) => stack.startDispatcher({ DISPATCHER_ID: name }, name)));
    await stack.startGateway();
    api = new Api(stack.baseUrl, tokenFor('heidi'));
    records = new TaskRecords(stack.redisUrl);
  });
  afterAll(async () => {
    records?.close();
    await stack.stop();
  });

  it('never lets two replicas drive one service: one lease holder each, no 409 busy, one generation per task', async () => {
    await waitFor('every service leased', async () => {
      const held = (await tables()).flat().filter((row) => row.leaseHeld && row.state === 'READY');
      return held.length === urls.length;
    });
    const before = await counters(urls);
    const tasks = await Promise.all(Array.from({ length: 12 }, (_, i) => api.submit(job(`shared ${i}`, 8))));

    const samples: FleetMemberSnapshot[][][] = [];
    let done = false;
    const sampling = (async () => {
      while (!done) {
        samples.push(await tables());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (const { taskId } of tasks) await api.waitForStatus(taskId, 'COMPLETED');
    done = true;
    await sampling;

    for (const sample of samples) {
      for (const url of urls) {
        const drivers = sample.flat().filter((row) => row.url === url && row.leaseHeld);
        expect(drivers.length).toBeLessThanOrEqual(1);
      }
    }
    for (const url of urls) {
      const holder = (await records.raw('GET', serviceLeaseKey(url))) as string;
      expect(replicas).toContain(holder);
      const row = (await fleetTable(port(holder))).find((entry) => entry.url === url);
      expect(row).toMatchObject({ leaseHeld: true, leaseHolder: holder, reportedBy: holder });
    }
    const after = await counters(urls);
    let generations = 0;
    for (const url of urls) {
      expect(after.get(url)!.busyRejections).toBe(before.get(url)!.busyRejections);
      generations += after.get(url)!.submitted - before.get(url)!.submitted;
    }
    expect(generations).toBe(tasks.length);
  });

  it('hands a SIGKILLed replica’s services to the other, which re-attaches to the jobs it left running', async () => {
    const before = await counters(urls);
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => api.submit(job(`takeover ${i}`, 40))));
    // The replica driving a running job dies.
    const running = await waitFor('a job running', async () => {
      for (const { taskId } of tasks) {
        const task = await records.get(taskId);
        if (task.status === 'PROCESSING' && task.service && task.progress > 0) return task;
      }
      return undefined;
    });
    const victim = (await records.raw('GET', serviceLeaseKey(running.service!))) as string;
    const survivor = replicas.find((name) => name !== victim)!;
    await stack.dispatchers.get(victim)!.process.stop('SIGKILL');

    const finished: TaskBody[] = [];
    for (const { taskId } of tasks) finished.push(await api.waitForStatus(taskId, 'COMPLETED', 60_000));
    expect(finished.every((task) => task.progress === 1)).toBe(true);

    const after = await counters(urls);
    let generations = 0;
    for (const url of urls) generations += after.get(url)!.submitted - before.get(url)!.submitted;
    expect(generations).toBe(tasks.length); // re-attached, never started twice
    expect(await records.serviceOf(running.taskId)).toBe(running.service);
    const table = await fleetTable(port(survivor));
    expect(table.filter((row) => row.leaseHeld).map((row) => row.url).sort()).toEqual([...urls].sort());
  });
});

/**
 * One dispatcher, SIGKILLed while its job runs and started again: the job re-attaches to the same generation
 * on the same service (not a second one on the idle service next to it) and reports live progress again.
 */
describe('a dispatcher SIGKILLed mid-job and restarted', () => {
  const stack = new TestStack(fast);
  let api: Api;
  let records: TaskRecords;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 90 }, { stepDelayMs: 90 }]); // 100 steps: 9 s, long enough to outlive a restart
    api = new Api(stack.baseUrl, tokenFor('ivan'));
    records = new TaskRecords(stack.redisUrl);
  });
  afterAll(async () => {
    records?.close();
    await stack.stop();
  });

  it('re-attaches to the running generation with live progress; no second generation anywhere', async () => {
    const urls = stack.modelServices.map((service) => service.url);
    const before = await counters(urls);
    const { taskId } = await api.submit(job('outlives its dispatcher', 100));
    const atKill = await api.waitForStatus(taskId, (task) => task.status === 'PROCESSING' && task.progress > 0.05);
    const service = await records.serviceOf(taskId);

    await stack.dispatcher!.stop('SIGKILL');
    await stack.startDispatcher();

    const progressSeen: number[] = [];
    const done = await api.waitForStatus(taskId, (task) => {
      if (task.status === 'PROCESSING') progressSeen.push(task.progress);
      return task.status === 'COMPLETED';
    }, 60_000);
    expect(done.progress).toBe(1);
    expect(done.startTime).toBe(atKill.startTime);
    expect(await records.serviceOf(taskId)).toBe(service);
    // Progress moved again after the restart: the re-attached dispatcher follows the generation live.
    const distinct = new Set(progressSeen.filter((progress) => progress > atKill.progress));
    expect(distinct.size).toBeGreaterThan(1);

    const after = await counters(urls);
    for (const url of urls) expect(after.get(url)!.submitted - before.get(url)!.submitted).toBe(url === service ? 1 : 0);
    expect((await api.request('GET', `/api/video/result/${taskId}`)).status).toBe(200);
  });
});
