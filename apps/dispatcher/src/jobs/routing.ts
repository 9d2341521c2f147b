/**
 * Where a job a service's worker has just taken from the queue should run. Pure: the worker gathers the facts.
 *
 * - A job whose generation already runs (or finished) on a service is driven there, never started twice:
 *   after a dispatcher crash the task is still PROCESSING on that service. If this replica drives that service,
 *   it re-attaches (from whichever worker took the job); if another replica does, the job goes back for it.
 *   If that service is gone or forgot the job, the job starts afresh like any other.
 * - A fresh job runs here when this service can take jobs now, and, after a transient failure, when this
 *   service is not one it failed on, unless no other service could take it. A service still finishing an
 *   orphan (its dispatcher died) takes a fresh job only when no other service is idle; it then waits for it.
 */
export type LivesOn =
  | { state: 'none' }
  /** The generation runs or ran on `url` and this replica can drive that service. */
  | { state: 'drivable'; url: string }
  /** It runs on `url`, which another dispatcher replica drives. */
  | { state: 'elsewhere'; url: string }
  /** It ran on `url`, which is down or no longer knows the job: start afresh. */
  | { state: 'gone'; url: string };

export interface PickupFacts {
  /** The service whose worker took the job. */
  serviceUrl: string;
  /** That service can take a job now (FleetMember.canTakeJobs). */
  available: boolean;
  /** Services the job failed on before. */
  excluded: readonly string[];
  /** Some other service of the model, not excluded, answers and is not cut off by its breaker. */
  alternativeExists: boolean;
  /** This service still runs an orphan (another task of ours, re-attached soon); the job would wait for it. */
  busyWithOrphan: boolean;
  /** Another service of the model, not excluded, is idle now. */
  idleAlternativeExists: boolean;
  livesOn: LivesOn;
}

export type Pickup = { action: 'run'; on: string; reattach: boolean } | { action: 'handBack'; reason: string };

export function decidePickup(facts: PickupFacts): Pickup {
  const { livesOn, serviceUrl } = facts;
  if (livesOn.state === 'drivable') {
    if (livesOn.url !== serviceUrl || facts.available) return { action: 'run', on: livesOn.url, reattach: true };
    return { action: 'handBack', reason: `its generation runs on ${livesOn.url}, which cannot be driven now` };
  }
  if (livesOn.state === 'elsewhere') return { action: 'handBack', reason: `its generation runs on ${livesOn.url}, driven by another replica` };
  if (!facts.available) return { action: 'handBack', reason: `${serviceUrl} cannot take jobs now` };
  if (facts.busyWithOrphan && facts.idleAlternativeExists) return { action: 'handBack', reason: `${serviceUrl} is finishing an orphaned job and another service is idle` };
  if (facts.excluded.includes(serviceUrl) && facts.alternativeExists) {
    return { action: 'handBack', reason: `it failed on ${serviceUrl} before and another service can take it` };
  }
  return { action: 'run', on: serviceUrl, reattach: false };
}

/** Bull's exponential backoff for real failures; a short fixed delay for a hand-back, which is no attempt. */
export function retryDelayMs(attemptsMade: number, error: unknown, backoffMs: number, handBackMs: number): number {
  if (error instanceof Error && error.name === 'HandBackError') return handBackMs;
  return Math.round((2 ** attemptsMade - 1) * backoffMs);
}

/** The services to avoid on the next attempt: the ones failed on before plus this one. */
export function withExcluded(excluded: readonly string[] | undefined, serviceUrl: string): string[] {
  return [...new Set([...(excluded ?? []), serviceUrl])];
}
