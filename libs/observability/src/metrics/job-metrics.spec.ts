import { metricsRegistry } from './registry.js';
import { recordJobCompleted, recordJobFinished, recordJobStart, reasonLabel } from './job-metrics.js';

const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return sample?.value ?? 0;
};

/** A histogram's _sum or _count sample. */
const histogram = async (name: string, part: 'sum' | 'count'): Promise<number | undefined> => {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return (metric?.values as Array<{ metricName?: string; value: number }> | undefined)?.find((v) => v.metricName === `${name}_${part}`)?.value;
};

describe('job metrics', () => {
  beforeEach(() => metricsRegistry.resetMetrics());

  it('observes queue wait on the first attempt only', async () => {
    recordJobStart({ model: 'm', queuedAt: 1_000, firstAttempt: true, serviceIdleSince: 0, now: 4_000 });
    recordJobStart({ model: 'm', queuedAt: 1_000, firstAttempt: false, serviceIdleSince: 0, now: 9_000 });
    expect(await value('videogw_job_queue_wait_seconds', { model: 'm', le: '+Inf' })).toBe(1);
    expect(await histogram('videogw_job_queue_wait_seconds', 'sum')).toBe(3);
  });

  it('observes a dispatch gap only when the job was already waiting when the service went idle', async () => {
    recordJobStart({ model: 'm', queuedAt: 1_000, firstAttempt: true, serviceIdleSince: 5_000, now: 5_250 });
    recordJobStart({ model: 'm', queuedAt: 6_000, firstAttempt: true, serviceIdleSince: 5_000, now: 6_010 });
    recordJobStart({ model: 'm', queuedAt: 1_000, firstAttempt: true, serviceIdleSince: 0, now: 6_010 });
    expect(await histogram('videogw_dispatch_gap_seconds', 'count')).toBe(1);
    expect(await histogram('videogw_dispatch_gap_seconds', 'sum')).toBeCloseTo(0.25);
  });

  it('counts finished jobs by status and a bounded reason, and bytes and generation time on completion', async () => {
    recordJobCompleted('m', 1_000, 4_096, 31_000);
    recordJobFinished('m', 'failed', 'unreachable');
    recordJobFinished('m', 'failed', 'a reason with spaces');
    recordJobFinished('m', 'cancelled');
    expect(await value('videogw_jobs_finished_total', { model: 'm', status: 'completed', reason: 'ok' })).toBe(1);
    expect(await value('videogw_jobs_finished_total', { status: 'failed', reason: 'unreachable' })).toBe(1);
    expect(await value('videogw_jobs_finished_total', { status: 'failed', reason: 'other' })).toBe(1);
    expect(await value('videogw_jobs_finished_total', { status: 'cancelled', reason: 'cancelled' })).toBe(1);
    expect(await value('videogw_video_bytes_total', { model: 'm' })).toBe(4_096);
    expect(await histogram('videogw_job_generation_seconds', 'sum')).toBe(30);
  });

  it.each([
    ['http_503', 'http_503'],
    ['does_not_fit', 'does_not_fit'],
    ['', 'other'],
    [undefined, 'other'],
    ['x'.repeat(49), 'other'],
    ['new\nline', 'other'],
  ])('reasonLabel(%p) = %p', (reason, label) => {
    expect(reasonLabel(reason)).toBe(label);
  });
});
