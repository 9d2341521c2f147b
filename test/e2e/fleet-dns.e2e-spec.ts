import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { Api } from '../support/api.js';
import { fleetTable, TaskRecords } from '../support/fleet.js';
import { freePort, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const small = (prompt: string, steps: number) => ({ prompt, width: 256, height: 256, numFrames: 3, numInferenceSteps: steps });
const HOSTS = '/etc/hosts';

/** MODEL_SERVICES_DNS=localhost:<port>: whatever localhost resolves to (127.0.0.1, maybe ::1) becomes the fleet. */
describe('fleet discovery from DNS: localhost', () => {
  const stack = new TestStack({ THROTTLE_ENABLED: 'false' });
  let api: Api;
  let port: number;

  beforeAll(async () => {
    await stack.startRedis();
    port = await freePort();
    await stack.startModelService({ stepDelayMs: 20 }, port); // listens on 127.0.0.1 only
    await stack.startDispatcher({ MODEL_SERVICES: '', MODEL_SERVICES_DNS: `localhost:${port}`, MODEL_SERVICES_DNS_INTERVAL_MS: '500' });
    await stack.startGateway();
    api = new Api(stack.baseUrl, tokenFor('frank'));
  });
  afterAll(() => stack.stop());

  it('finds the service on 127.0.0.1; an address where nothing listens (::1) stays DOWN and harmless', async () => {
    const table = await waitFor('service READY in the fleet table', async () => {
      const rows = await fleetTable(stack.dispatcherPort);
      return rows.some((row) => row.url === `http://127.0.0.1:${port}` && row.state === 'READY') ? rows : undefined;
    });
    for (const row of table.filter((entry) => entry.url !== `http://127.0.0.1:${port}`)) {
      expect(row.url).toBe(`http://[::1]:${port}`);
      expect(row.state).toBe('DOWN');
    }
    const { taskId } = await api.submit(small('found by name', 3));
    expect((await api.waitForStatus(taskId, 'COMPLETED')).progress).toBe(1);
  });
});

/**
 * A name with several A/AAAA records, as a Kubernetes headless service has: two services on 127.0.0.2 and
 * 127.0.0.3 (same port) and ::1 where nothing listens, written to /etc/hosts for the test and removed after.
 * Records that disappear take their service out of the fleet on the next resolution; records that come back
 * bring it back.
 */
const hostsWritable = (() => {
  try {
    accessSync(HOSTS, constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

(hostsWritable ? describe : describe.skip)('fleet discovery from DNS: a name with several addresses (/etc/hosts)', () => {
  const name = `videogw-fleet-${process.pid}.test`;
  const marker = `# ${name}`;
  const stack = new TestStack({ THROTTLE_ENABLED: 'false' });
  let api: Api;
  let records: TaskRecords;
  let port: number;

  const writeRecords = (addresses: string[]) => {
    const kept = readFileSync(HOSTS, 'utf8').split('\n').filter((line) => line.length > 0 && !line.endsWith(marker));
    // Written in place: /etc/hosts is often a bind mount that a rename would not replace.
    writeFileSync(HOSTS, [...kept, ...addresses.map((address) => `${address} ${name} ${marker}`)].join('\n') + '\n');
  };
  const urls = () => fleetTable(stack.dispatcherPort).then((rows) => rows.map((row) => row.url).sort());

  beforeAll(async () => {
    await stack.startRedis();
    port = await freePort();
    await stack.startModelService({ host: '127.0.0.2', stepDelayMs: 20 }, port);
    await stack.startModelService({ host: '127.0.0.3', stepDelayMs: 20 }, port);
    writeRecords(['127.0.0.2', '127.0.0.3', '::1']);
    await stack.startDispatcher({ MODEL_SERVICES: '', MODEL_SERVICES_DNS: `${name}:${port}`, MODEL_SERVICES_DNS_INTERVAL_MS: '500' });
    await stack.startGateway();
    api = new Api(stack.baseUrl, tokenFor('grace'));
    records = new TaskRecords(stack.redisUrl);
  });
  afterAll(async () => {
    writeRecords([]);
    records?.close();
    await stack.stop();
  });

  it('drives every address that answers and runs jobs on each', async () => {
    const a = `http://127.0.0.2:${port}`;
    const b = `http://127.0.0.3:${port}`;
    await waitFor('both services READY', async () => {
      const rows = await fleetTable(stack.dispatcherPort);
      return [a, b].every((url) => rows.find((row) => row.url === url)?.state === 'READY');
    });
    expect(await urls()).toEqual([a, b, `http://[::1]:${port}`].sort());
    const pair = await Promise.all([1, 2].map((i) => api.submit(small(`by address ${i}`, 15))));
    const used = new Set<string | undefined>();
    for (const { taskId } of pair) {
      await api.waitForStatus(taskId, 'COMPLETED');
      used.add(await records.serviceOf(taskId));
    }
    expect(used).toEqual(new Set([a, b]));
  });

  it('drops a service whose record disappears and adds it back when the record returns', async () => {
    const b = `http://127.0.0.3:${port}`;
    writeRecords(['127.0.0.2']);
    await waitFor('127.0.0.3 and ::1 removed', async () => (await urls()).join() === `http://127.0.0.2:${port}`);
    const { taskId } = await api.submit(small('only one left', 3));
    await api.waitForStatus(taskId, 'COMPLETED');
    expect(await records.serviceOf(taskId)).toBe(`http://127.0.0.2:${port}`);

    writeRecords(['127.0.0.2', '127.0.0.3']);
    await waitFor('127.0.0.3 back and READY', async () => (await fleetTable(stack.dispatcherPort)).find((row) => row.url === b)?.state === 'READY');
  });
});
