/** The fields of a fleet snapshot entry (FleetMemberSnapshot, as published to Redis) that readiness reads. */
export interface FleetEntry {
  url: string;
  state: string;
  model: string | null;
  breaker?: string;
  lastSeen?: string | null;
}

export interface ModelCoverage {
  healthy: number;
  total: number;
}

/** A service counts as healthy while it answers READY or BUSY, its breaker is not open and, with `freshWithinMs`, it was seen lately. */
export function isHealthyService(entry: FleetEntry, now = Date.now(), freshWithinMs?: number): boolean {
  if (entry.state !== 'READY' && entry.state !== 'BUSY') return false;
  if (entry.breaker === 'OPEN') return false;
  if (freshWithinMs === undefined) return true;
  const seen = entry.lastSeen ? Date.parse(entry.lastSeen) : Number.NaN;
  return Number.isFinite(seen) && now - seen <= freshWithinMs;
}

/** Healthy and known services per configured model; ready when every model has at least one healthy service. */
export function modelCoverage(
  models: readonly string[],
  entries: readonly FleetEntry[],
  now = Date.now(),
  freshWithinMs?: number,
): { ready: boolean; models: Record<string, ModelCoverage> } {
  const coverage: Record<string, ModelCoverage> = Object.fromEntries(models.map((model) => [model, { healthy: 0, total: 0 }]));
  for (const entry of entries) {
    const slot = entry.model ? coverage[entry.model] : undefined;
    if (!slot) continue;
    slot.total += 1;
    if (isHealthyService(entry, now, freshWithinMs)) slot.healthy += 1;
  }
  return { ready: models.every((model) => (coverage[model]?.healthy ?? 0) > 0), models: coverage };
}

/** Parses the `videogw:fleet` hash (service URL → JSON snapshot entry); unreadable fields are skipped. */
export function parseFleetHash(hash: Record<string, string>): FleetEntry[] {
  const entries: FleetEntry[] = [];
  for (const value of Object.values(hash)) {
    try {
      const entry = JSON.parse(value) as Partial<FleetEntry>;
      if (typeof entry.url === 'string' && typeof entry.state === 'string') entries.push({ model: null, ...entry } as FleetEntry);
    } catch {
      // a field some other version wrote: not ours to judge
    }
  }
  return entries.sort((a, b) => a.url.localeCompare(b.url));
}
