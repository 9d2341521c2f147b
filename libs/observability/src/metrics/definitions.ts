import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

/**
 * Every metric the gateway and the dispatcher export. The names are fixed: the Grafana dashboard
 * (docker/grafana/dashboard.json) and scripts/check-deploy.sh use them. Labels carry bounded values
 * only (model ids, service URLs, route patterns, reason codes), never task ids or prompts.
 */
const registers = [metricsRegistry];

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route pattern and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const jobsSubmitted = new Counter({
  name: 'videogw_jobs_submitted_total',
  help: 'Generation jobs accepted and queued, by model',
  labelNames: ['model'] as const,
  registers,
});

export const jobQueueWait = new Histogram({
  name: 'videogw_job_queue_wait_seconds',
  help: 'Time from submission to the first dispatch of a job to a model service',
  labelNames: ['model'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  registers,
});

export const jobGeneration = new Histogram({
  name: 'videogw_job_generation_seconds',
  help: 'Time from dispatch to the stored video, for completed jobs',
  labelNames: ['model'] as const,
  buckets: [1, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200],
  registers,
});

export const jobsFinished = new Counter({
  name: 'videogw_jobs_finished_total',
  help: 'Jobs that reached a final status (completed, failed, cancelled), by reason code',
  labelNames: ['model', 'status', 'reason'] as const,
  registers,
});

export const videoBytes = new Counter({
  name: 'videogw_video_bytes_total',
  help: 'Bytes of finished videos stored',
  labelNames: ['model'] as const,
  registers,
});

export const queueJobs = new Gauge({
  name: 'videogw_queue_jobs',
  help: 'Jobs in the Bull queue of each model by state (waiting, active, delayed, completed, failed), read at scrape time',
  labelNames: ['model', 'state'] as const,
  registers,
});

export const cacheRequests = new Counter({
  name: 'videogw_cache_requests_total',
  help: 'Result-cache lookups by result (hit or miss)',
  labelNames: ['result'] as const,
  registers,
});

export const coalescedRequests = new Counter({
  name: 'videogw_coalesced_requests_total',
  help: 'Submissions attached to an identical job already queued or running',
  labelNames: ['model'] as const,
  registers,
});

export const throttledRequests = new Counter({
  name: 'videogw_throttled_requests_total',
  help: 'Requests refused with 429 by the rate limiter or admission control, by route pattern',
  labelNames: ['route'] as const,
  registers,
});

export const promptsRejected = new Counter({
  name: 'videogw_prompts_rejected_total',
  help: 'Prompts refused by validation or the banned-term filter, by field and reason',
  labelNames: ['field', 'reason'] as const,
  registers,
});

export const modelServiceUp = new Gauge({
  name: 'videogw_model_service_up',
  help: '1 while a model service answers READY or BUSY, else 0 (exported by the dispatcher holding its lease)',
  labelNames: ['service', 'model'] as const,
  registers,
});

export const modelServiceVramTotal = new Gauge({
  name: 'videogw_model_service_vram_total_bytes',
  help: 'GPU memory of a model service as it reports it',
  labelNames: ['service', 'model'] as const,
  registers,
});

export const modelServiceVramFree = new Gauge({
  name: 'videogw_model_service_vram_free_bytes',
  help: 'Free GPU memory of a model service as it reports it',
  labelNames: ['service', 'model'] as const,
  registers,
});

export const circuitState = new Gauge({
  name: 'videogw_circuit_state',
  help: 'Circuit breaker of a model service: 0 closed, 1 half-open, 2 open',
  labelNames: ['service'] as const,
  registers,
});

export const dispatchGap = new Histogram({
  name: 'videogw_dispatch_gap_seconds',
  help: 'Time a model service sat idle between finishing a job and starting the next one that was already waiting',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers,
});

/** Creates the per-model series at zero so rates and Grafana's model variable work before the first job. */
export function initModelSeries(models: readonly string[]): void {
  for (const model of models) {
    jobsSubmitted.labels(model).inc(0);
    videoBytes.labels(model).inc(0);
    jobsFinished.labels(model, 'completed', 'ok').inc(0);
  }
  cacheRequests.labels('hit').inc(0);
  cacheRequests.labels('miss').inc(0);
}
