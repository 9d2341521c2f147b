import { FetchGate } from './fetch-gate.js';

const job = (taskId: string) => ({ data: { taskId } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FetchGate', () => {
  it('lets a fetch through while open and holds it while shut', async () => {
    const gate = new FetchGate();
    gate.set(false);
    const fetched: string[] = [];
    const pending = gate.fetch(async () => {
      fetched.push('a');
      return job('a');
    });
    await tick();
    expect(fetched).toEqual([]);
    gate.set(true);
    await expect(pending).resolves.toEqual(job('a'));
    expect(fetched).toEqual(['a']);
  });

  it('lets one loop fetch at a time: the other waits until the fetched job is passed on', async () => {
    const gate = new FetchGate();
    const order: string[] = [];
    const first = gate.fetch(async () => (order.push('first'), job('a')));
    const second = gate.fetch(async () => (order.push('second'), job('b')));
    await first;
    await tick();
    expect(order).toEqual(['first']);
    // The first job took the service's slot: the gate shuts before the turn passes, so the second keeps waiting.
    gate.set(false);
    gate.pass('a');
    await tick();
    expect(order).toEqual(['first']);
    gate.set(true);
    await expect(second).resolves.toEqual(job('b'));
    expect(order).toEqual(['first', 'second']);
  });

  it('passes the turn at once when a fetch finds nothing or fails', async () => {
    const gate = new FetchGate();
    await expect(gate.fetch(async () => undefined)).resolves.toBeUndefined();
    await expect(gate.fetch(async () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    await expect(gate.fetch(async () => job('c'))).resolves.toEqual(job('c'));
  });

  it('answers nothing once closed, also to a fetch waiting at the shut gate', async () => {
    const gate = new FetchGate();
    gate.set(false);
    let called = false;
    const waiting = gate.fetch(async () => ((called = true), job('x')));
    gate.close();
    await expect(waiting).resolves.toBeUndefined();
    expect(called).toBe(false);
  });
});
