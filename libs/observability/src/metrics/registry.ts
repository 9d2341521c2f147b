import { collectDefaultMetrics, Registry } from 'prom-client';

/** The one metrics registry of the process; /metrics and /actuator/prometheus render it. */
export const metricsRegistry = new Registry();

type Collector = () => Promise<void> | void;
const collectors = new Set<Collector>();
let defaultsEnabled = false;

/**
 * prom-client's process and Node.js metrics, less the three gauges named `*_total` that
 * `promtool check metrics` rejects (their per-type siblings `nodejs_active_*` stay).
 */
export function enableDefaultMetrics(labels: Record<string, string> = {}): void {
  if (defaultsEnabled) return;
  defaultsEnabled = true;
  collectDefaultMetrics({ register: metricsRegistry, labels });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    metricsRegistry.removeSingleMetric(name);
  }
}

/** Runs `collect` before every scrape (gauges read from Redis or the fleet); returns the undo. */
export function addScrapeCollector(collect: Collector): () => void {
  collectors.add(collect);
  return () => collectors.delete(collect);
}

/** The exposition text; a failing collector leaves its gauges as they were rather than failing the scrape. */
export async function renderMetrics(): Promise<string> {
  await Promise.all([...collectors].map(async (collect) => {
    try {
      await collect();
    } catch {
      // stale values beat a failed scrape; the health endpoints report the broken dependency
    }
  }));
  return metricsRegistry.metrics();
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;
