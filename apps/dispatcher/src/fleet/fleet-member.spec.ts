import { loadConfig } from '@app/config';
import type { ModelServiceHealth } from '@app/contracts';
import { FleetMember } from './fleet-member.js';

const config = loadConfig({ BREAKER_VOLUME_THRESHOLD: '1', BREAKER_RESET_TIMEOUT_MS: '60000' });

const health = (overrides: Partial<ModelServiceHealth> = {}): ModelServiceHealth => ({
  status: 'READY',
  backend: 'procedural',
  model: 'easyanimate-v5.1-12b',
  device: 'cpu',
  vram_total_bytes: 16 * 2 ** 30,
  vram_free_bytes: 16 * 2 ** 30,
  current_job: null,
  jobs_completed: 0,
  error: null,
  ...overrides,
});

/** A member that answers, is leased to this replica and has a closed breaker. */
function member(overrides: Partial<ModelServiceHealth> = {}): FleetMember {
  const m = new FleetMember('http://10.0.0.1:9100', config);
  m.reach = 'UP';
  m.leaseHeld = true;
  m.health = health(overrides);
  return m;
}

describe('FleetMember.canTakeJobs', () => {
  it('takes jobs while it answers READY, is leased to us and its breaker is closed', () => {
    expect(member().canTakeJobs).toBe(true);
  });

  it.each<[string, (m: FleetMember) => void]>([
    ['down', (m) => (m.reach = 'DOWN')],
    ['leased to another replica', (m) => (m.leaseHeld = false)],
    ['starting', (m) => (m.health = health({ status: 'STARTING' }))],
    ['failed to load', (m) => (m.health = health({ status: 'FAILED' }))],
    ['busy with a job nobody here knows', (m) => (m.health = health({ status: 'BUSY', current_job: 'someone-elses' }))],
    ['draining (busy without a job)', (m) => (m.health = health({ status: 'BUSY', current_job: null }))],
    ['generating a job of ours', (m) => m.claimSlot('task-1')],
    ['leaving the fleet', (m) => (m.retired = true)],
    ['cut off by its open breaker', (m) => m.breaker.open()],
  ])('takes none while %s', (_name, change) => {
    const m = member();
    change(m);
    expect(m.canTakeJobs).toBe(false);
  });

  it('lets a half-open breaker through, so that a probe job can run; a failed probe opens it again', async () => {
    const m = new FleetMember('http://10.0.0.2:9100', loadConfig({ BREAKER_VOLUME_THRESHOLD: '1', BREAKER_RESET_TIMEOUT_MS: '100' }));
    Object.assign(m, { reach: 'UP', leaseHeld: true, health: health() });
    await m.breaker.fire(() => Promise.reject(new Error('the service failed'))).catch(() => undefined);
    expect(m.breakerState).toBe('OPEN');
    expect(m.canTakeJobs).toBe(false);
    await new Promise((resolve) => m.breaker.once('halfOpen', resolve));
    expect(m.breakerState).toBe('HALF_OPEN');
    expect(m.canTakeJobs).toBe(true);
    await m.breaker.fire(() => Promise.reject(new Error('still failing'))).catch(() => undefined);
    expect(m.breakerState).toBe('OPEN');
    m.breaker.shutdown();
  });

  it('treats a BUSY answer naming a generation of ours that already ended as stale', () => {
    const m = member();
    for (const id of ['a', 'b', 'c']) {
      expect(m.claimSlot(id)).toBe(true);
      m.releaseSlot(id);
    }
    m.health = health({ status: 'BUSY', current_job: 'a' });
    expect(m.canTakeJobs).toBe(true);
  });

  it('takes jobs while the service finishes an orphan of ours (its dispatcher died), to re-attach it', () => {
    const m = member({ status: 'BUSY', current_job: 'orphan' });
    expect(m.canTakeJobs).toBe(false);
    m.orphanTaskId = 'orphan';
    expect(m.canTakeJobs).toBe(true);
  });
});

describe('FleetMember generation slot', () => {
  it('is taken by one job at a time and freed when its generation ends', () => {
    const m = member();
    const freed: string[] = [];
    m.onSlotFreed = () => freed.push(m.lastTaskId ?? '');
    expect(m.claimSlot('a')).toBe(true);
    expect(m.claimSlot('a')).toBe(true); // idempotent for the holder
    expect(m.claimSlot('b')).toBe(false);
    m.releaseSlot('b'); // not the holder: nothing happens
    expect(m.currentTaskId).toBe('a');
    m.releaseSlot('a');
    expect(m.currentTaskId).toBeNull();
    expect(freed).toEqual(['a']);
    expect(m.jobsRun).toBe(1);
    expect(m.claimSlot('b')).toBe(true);
  });

  it('wakes a settling job when the next generation starts, or after the timeout', async () => {
    const m = member();
    const waiting = m.nextStart(60_000);
    m.noteStarted();
    await expect(waiting).resolves.toBeUndefined();
    await expect(m.nextStart(1)).resolves.toBeUndefined();
  });
});

describe('FleetMember.snapshot', () => {
  it('is one row of the fleet table', () => {
    const m = member();
    m.claimSlot('task-9');
    m.leaseHolder = 'replica-a';
    expect(m.snapshot('replica-a')).toMatchObject({
      url: 'http://10.0.0.1:9100',
      state: 'READY',
      model: 'easyanimate-v5.1-12b',
      vramTotalBytes: 16 * 2 ** 30,
      inFlightTask: 'task-9',
      breaker: 'CLOSED',
      leaseHeld: true,
      leaseHolder: 'replica-a',
      reportedBy: 'replica-a',
    });
  });
});
