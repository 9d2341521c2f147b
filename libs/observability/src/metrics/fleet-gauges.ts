import { circuitState, modelServiceUp, modelServiceVramFree, modelServiceVramTotal } from './definitions.js';

/** What the dispatcher knows of one model service (a subset of its fleet snapshot entry). */
export interface FleetGaugeEntry {
  url: string;
  state: string;
  model: string | null;
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  breaker: string;
  leaseHeld: boolean;
}

const BREAKER_VALUE: Record<string, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };
export const isServing = (state: string): boolean => state === 'READY' || state === 'BUSY';

/**
 * Sets the per-service gauges from scratch. Only the dispatcher that holds a service's lease exports
 * it, so summing over dispatcher replicas counts every service once.
 */
export function setFleetGauges(entries: readonly FleetGaugeEntry[]): void {
  modelServiceUp.reset();
  modelServiceVramTotal.reset();
  modelServiceVramFree.reset();
  circuitState.reset();
  for (const entry of entries) {
    if (!entry.leaseHeld) continue;
    const model = entry.model ?? 'unknown';
    modelServiceUp.labels(entry.url, model).set(isServing(entry.state) ? 1 : 0);
    if (entry.vramTotalBytes !== null) modelServiceVramTotal.labels(entry.url, model).set(entry.vramTotalBytes);
    if (entry.vramFreeBytes !== null) modelServiceVramFree.labels(entry.url, model).set(entry.vramFreeBytes);
    circuitState.labels(entry.url).set(BREAKER_VALUE[entry.breaker] ?? 0);
  }
}
