import { KEY_PREFIX } from './keys.js';

/**
 * Redis hash of the fleet table: one field per model-service URL, the value a JSON FleetMemberSnapshot
 * written by the dispatcher replica that holds the service's lease (or by any replica while nobody holds it).
 * The gateway's admin view reads it.
 */
export const FLEET_SNAPSHOT_KEY = `${KEY_PREFIX}fleet`;

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** One row of the fleet table (dispatcher GET /fleet, Redis FLEET_SNAPSHOT_KEY). */
export interface FleetMemberSnapshot {
  url: string;
  /** UNKNOWN | DOWN (does not answer) | the service's own state: STARTING | READY | BUSY | FAILED. */
  state: string;
  model: string | null;
  backend: string | null;
  device: string | null;
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  /** The task whose generation this fleet is driving on the service. */
  inFlightTask: string | null;
  breaker: BreakerState;
  breakerChangedAt: string | null;
  /** Whether the replica that wrote this row holds the service's lease (drives it). */
  leaseHeld: boolean;
  /** The dispatcher replica that holds the lease, if any. */
  leaseHolder: string | null;
  /** The replica that wrote this row. */
  reportedBy: string;
  jobsRun: number;
  lastError: string | null;
  lastSeen: string | null;
}
