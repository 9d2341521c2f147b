import { HandBackError } from './job-errors.js';
import { decidePickup, retryDelayMs, withExcluded, type PickupFacts } from './routing.js';

const A = 'http://10.0.0.1:9100';
const B = 'http://10.0.0.2:9100';

const fresh = (overrides: Partial<PickupFacts> = {}): PickupFacts => ({
  serviceUrl: A,
  available: true,
  excluded: [],
  alternativeExists: true,
  busyWithOrphan: false,
  idleAlternativeExists: false,
  livesOn: { state: 'none' },
  ...overrides,
});

describe('decidePickup', () => {
  it.each<[string, Partial<PickupFacts>, ReturnType<typeof decidePickup>['action'], string | null]>([
    ['a fresh job on an available service runs there', {}, 'run', A],
    ['a fresh job on a service that cannot take jobs goes back', { available: false }, 'handBack', null],
    ['a retry goes back from a service it failed on when another can take it', { excluded: [A] }, 'handBack', null],
    ['a retry runs on a service it failed on when no other can take it', { excluded: [A], alternativeExists: false }, 'run', A],
    ['a retry runs on a service it did not fail on', { excluded: [B] }, 'run', A],
    ['a service finishing an orphan leaves a fresh job to an idle one', { busyWithOrphan: true, idleAlternativeExists: true }, 'handBack', null],
    ['a service finishing an orphan takes a fresh job when no other is idle (it waits for it)', { busyWithOrphan: true }, 'run', A],
    ['a generation running here is re-attached here', { livesOn: { state: 'drivable', url: A } }, 'run', A],
    ['a generation running here waits while this service cannot be driven', { available: false, livesOn: { state: 'drivable', url: A } }, 'handBack', null],
    ['a generation on another service this replica drives is re-attached there', { livesOn: { state: 'drivable', url: B } }, 'run', B],
    ['... even from a busy or excluded worker', { available: false, excluded: [A], livesOn: { state: 'drivable', url: B } }, 'run', B],
    ['a generation on a service another replica drives goes back for it', { livesOn: { state: 'elsewhere', url: B } }, 'handBack', null],
    ['a generation on a service that is gone starts afresh here', { livesOn: { state: 'gone', url: B } }, 'run', A],
    ['... but not on a service it failed on when another can take it', { excluded: [A], livesOn: { state: 'gone', url: A } }, 'handBack', null],
  ])('%s', (_name, overrides, action, on) => {
    const pickup = decidePickup(fresh(overrides));
    expect(pickup.action).toBe(action);
    if (pickup.action === 'run') expect(pickup.on).toBe(on);
    else expect(pickup.reason.length).toBeGreaterThan(0);
  });

  it('marks re-attachments so the runner keeps the start time and progress', () => {
    expect(decidePickup(fresh({ livesOn: { state: 'drivable', url: A } }))).toEqual({ action: 'run', on: A, reattach: true });
    expect(decidePickup(fresh())).toEqual({ action: 'run', on: A, reattach: false });
  });
});

describe('retryDelayMs', () => {
  it('doubles the backoff with every attempt, as Bull’s exponential does', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, new Error('x'), 1000, 250))).toEqual([1000, 3000, 7000, 15000]);
  });

  it('waits only briefly after a hand-back, whatever the attempt count', () => {
    expect(retryDelayMs(3, new HandBackError('excluded'), 1000, 250)).toBe(250);
  });
});

describe('withExcluded', () => {
  it('adds the failed service once', () => {
    expect(withExcluded(undefined, A)).toEqual([A]);
    expect(withExcluded([A, B], A)).toEqual([A, B]);
  });
});
