/**
 * Fleet benchmark: can the dispatcher keep every GPU busy? Four procedural model services whose every job takes
 * a fixed time (PROCEDURAL_JOB_SECONDS), a queue of 200 jobs submitted through the gateway before the
 * dispatcher starts, then one dispatcher drains it. Measured on the model services' side, from their own log
 * lines ("job started" / "job completed", millisecond timestamps):
 *
 * - makespan: first start to last completion on any service, against the ideal jobs × time / services;
 * - dispatch gap: on each service, the time from finishing a job to starting the next one (the queue was
 *   never empty before the last few jobs, so every such gap is a GPU idle while jobs waited).
 *
 * Run: `node dist/bench/fleet.js [jobs] [services] [jobSeconds]` (after `npm run build`), or runFleetBench().
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { taskKey } from '@app/contracts';
import { Api } from '../test/support/api.js';
import { TestStack, tokenFor } from '../test/support/stack.js';
import { markdown } from './load.js';

export interface FleetBenchOptions {
  jobs?: number;
  services?: number;
  jobSeconds?: number;
}

export interface FleetBenchResult {
  jobs: number;
  services: number;
  jobSeconds: number;
  idealSeconds: number;
  makespanSeconds: number;
  /** makespan / ideal (aim ≤ 1.05). */
  ratio: number;
  /** Mean wall time of one job on the services (the fixed job time plus the service's own bookkeeping). */
  meanJobSeconds: number;
  /** makespan / (jobs × mean job time / services): what the dispatcher adds, with the services' own overrun taken out. */
  ratioToMeasured: number;
  gapsCounted: number;
  gapP50Ms: number;
  gapP90Ms: number;
  gapP99Ms: number;
  gapMaxMs: number;
  jobsPerService: number[];
  table: string;
}

const AIMS = { ratio: 1.05, gapP50Ms: 10, gapP99Ms: 50 };

/** Production-like timings for the dispatcher (the test stack's defaults are tuned for fast failover tests). */
const DISPATCHER_SETTINGS: Record<string, string> = {
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  THROTTLE_ENABLED: 'false',
  ADMISSION_ENABLED: 'false',
  MAX_WAITING_JOBS: '100000',
  MAX_UNFINISHED_PER_PRINCIPAL: '100000',
  HEALTH_POLL_INTERVAL_MS: '1000',
  LOCK_DURATION_MS: '30000',
  STALLED_INTERVAL_MS: '15000',
  LEASE_TTL_MS: '10000',
  JOB_BACKOFF_MS: '1000',
};

interface Span {
  start: number;
  end: number;
}

export async function runFleetBench(options: FleetBenchOptions = {}): Promise<FleetBenchResult> {
  const jobs = options.jobs ?? 200;
  const serviceCount = options.services ?? 4;
  const jobSeconds = options.jobSeconds ?? 0.5;
  const stack = new TestStack(DISPATCHER_SETTINGS);
  let redis: Redis | undefined;
  try {
    await stack.startRedis();
    for (let i = 0; i < serviceCount; i++) await stack.startModelService({ jobSeconds, stepDelayMs: 0 });
    await stack.startGateway();
    const api = new Api(stack.baseUrl, tokenFor('fleet-bench'));
    const taskIds: string[] = [];
    for (let i = 0; i < jobs; i += 25) {
      const batch = Array.from({ length: Math.min(25, jobs - i) }, (_, j) =>
        api.submit({ prompt: `fleet bench job ${i + j}`, width: 256, height: 256, numFrames: 1, numInferenceSteps: 1, seed: i + j }),
      );
      for (const task of await Promise.all(batch)) taskIds.push(task.taskId);
    }

    await stack.startDispatcher(); // the queue is full: from here the dispatcher drains it
    redis = new Redis(stack.redisUrl);
    await waitUntilCompleted(redis, taskIds);

    redis.disconnect();
    await Promise.all(stack.modelServices.map((service) => service.process.stop())); // flushes their logs
    const spans = stack.modelServices.map((service) => readSpans(join(stack.logDir, `model-service-${service.port}.log`)));
    return summarise(spans, jobs, jobSeconds);
  } finally {
    redis?.disconnect();
    await stack.stop();
  }
}

/** Polls the task hashes (one pipelined HGET per task) until every task is COMPLETED; fails on a FAILED one. */
async function waitUntilCompleted(redis: Redis, taskIds: string[], timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pipeline = redis.pipeline();
    for (const id of taskIds) pipeline.hget(taskKey(id), 'status');
    const statuses = ((await pipeline.exec()) ?? []).map(([, value]) => value as string | null);
    if (statuses.some((status) => status === 'FAILED' || status === 'CANCELLED')) throw new Error('a benchmark job did not complete');
    if (statuses.every((status) => status === 'COMPLETED')) return;
    if (Date.now() > deadline) throw new Error('the benchmark jobs did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Start and end of every job a model service ran, from its JSON log lines. */
function readSpans(logFile: string): Span[] {
  const starts = new Map<string, number>();
  const spans: Span[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; ts?: string; job_id?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (!entry.job_id || !entry.ts) continue;
    if (entry.msg === 'job started') starts.set(entry.job_id, Date.parse(entry.ts));
    if (entry.msg === 'job completed' && starts.has(entry.job_id)) spans.push({ start: starts.get(entry.job_id)!, end: Date.parse(entry.ts) });
  }
  return spans.sort((a, b) => a.start - b.start);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(spansByService: Span[][], jobs: number, jobSeconds: number): FleetBenchResult {
  const all = spansByService.flat();
  if (all.length !== jobs) throw new Error(`the services logged ${all.length} jobs, expected ${jobs}`);
  const makespanSeconds = (Math.max(...all.map((span) => span.end)) - Math.min(...all.map((span) => span.start))) / 1000;
  const services = spansByService.length;
  const idealSeconds = (jobs * jobSeconds) / services;
  const gaps = spansByService.flatMap((spans) => spans.slice(1).map((span, i) => span.start - spans[i]!.end)).sort((a, b) => a - b);
  const meanJobSeconds = all.reduce((sum, span) => sum + span.end - span.start, 0) / all.length / 1000;
  const result: Omit<FleetBenchResult, 'table'> = {
    jobs,
    services,
    jobSeconds,
    idealSeconds,
    makespanSeconds,
    ratio: makespanSeconds / idealSeconds,
    meanJobSeconds,
    ratioToMeasured: makespanSeconds / ((jobs * meanJobSeconds) / services),
    gapsCounted: gaps.length,
    gapP50Ms: percentile(gaps, 50),
    gapP90Ms: percentile(gaps, 90),
    gapP99Ms: percentile(gaps, 99),
    gapMaxMs: gaps.at(-1) ?? Number.NaN,
    jobsPerService: spansByService.map((spans) => spans.length),
  };
  return { ...result, table: formatFleetTable(result) };
}

export function formatFleetTable(r: Omit<FleetBenchResult, 'table'>): string {
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return markdown([
    ['figure', 'value', 'aim', ''],
    ['jobs × per-job time / services', `${r.jobs} × ${r.jobSeconds} s / ${r.services}`, '', ''],
    ['ideal makespan', `${r.idealSeconds.toFixed(2)} s`, '', ''],
    ['makespan (first start → last completion)', `${r.makespanSeconds.toFixed(2)} s`, '', ''],
    ['makespan / ideal', r.ratio.toFixed(3), `≤ ${AIMS.ratio}`, verdict(r.ratio <= AIMS.ratio)],
    ['mean job wall time on the service', `${(r.meanJobSeconds * 1000).toFixed(1)} ms`, '', ''],
    ['makespan / (jobs × mean job time / services)', r.ratioToMeasured.toFixed(3), '', ''],
    [`dispatch gap p50 (${r.gapsCounted} gaps)`, `${r.gapP50Ms.toFixed(1)} ms`, `≤ ${AIMS.gapP50Ms} ms`, verdict(r.gapP50Ms <= AIMS.gapP50Ms)],
    ['dispatch gap p90', `${r.gapP90Ms.toFixed(1)} ms`, '', ''],
    ['dispatch gap p99', `${r.gapP99Ms.toFixed(1)} ms`, `≤ ${AIMS.gapP99Ms} ms`, verdict(r.gapP99Ms <= AIMS.gapP99Ms)],
    ['dispatch gap max', `${r.gapMaxMs.toFixed(1)} ms`, '', ''],
    ['jobs per service', r.jobsPerService.join(' / '), '', ''],
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [jobs, services, jobSeconds] = process.argv.slice(2).map(Number);
  const result = await runFleetBench({ jobs: jobs || undefined, services: services || undefined, jobSeconds: jobSeconds || undefined });
  process.stdout.write(`## Fleet: ${result.services} procedural services, ${result.jobs} queued jobs of ${result.jobSeconds} s\n\n${result.table}\n`);
}
