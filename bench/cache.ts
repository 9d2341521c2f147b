/**
 * `npm run bench`, result-cache part: a cache-hit submit against the status GET in the same run (issue 6
 * aims at >= 0.8 of the status rate). A cache hit needs one finished render: primeCacheEntry() runs it on a
 * real model service and dispatcher, then every identical submit is answered from the cache (two Redis round
 * trips, one stat of the stored file, no queue, no GPU).
 *
 * Standalone: `node dist/bench/cache.js [seconds]`.
 */
import { Api } from '../test/support/api.js';
import { TestStack, tokenFor } from '../test/support/stack.js';
import { formatTable, load, type LoadOptions, type LoadResult } from './load.js';

/** A seeded request (only seeded requests are cached by default), tiny so the priming render is quick. */
export const CACHE_HIT_BODY = {
  prompt: 'a red fox running through fresh snow at dawn, cinematic',
  width: 256,
  height: 256,
  numFrames: 3,
  numInferenceSteps: 2,
  seed: 1234,
};

/**
 * Makes `body` a cache hit on the running gateway of `stack`: starts a model service and a dispatcher (unless
 * the stack already runs them), submits `body`, waits for COMPLETED and stops what it started. Afterwards
 * every identical submit with the same settings answers COMPLETED with `cached: true`. Returns the render's task.
 */
export async function primeCacheEntry(stack: TestStack, token: string, body: Record<string, unknown> = CACHE_HIT_BODY): Promise<string> {
  const startedService = stack.modelServices.length === 0;
  if (startedService) await stack.startModelService({ stepDelayMs: 5 });
  const startedDispatcher = !stack.dispatcher?.running;
  if (startedDispatcher) await stack.startDispatcher({ MODEL_SERVICES: stack.modelServices.map((service) => service.url).join(',') });
  const api = new Api(stack.baseUrl, token);
  const { taskId } = await api.submit(body);
  await api.waitForStatus(taskId, 'COMPLETED', 60_000);
  const hit = await api.submit(body);
  if (hit.cached !== true) throw new Error(`the primed request is not a cache hit: ${JSON.stringify(hit)}`);
  if (startedDispatcher) await stack.dispatcher?.stop();
  if (startedService) for (const service of stack.modelServices.splice(0)) await service.process.stop();
  return taskId;
}

export interface CacheBenchResult {
  rows: LoadResult[];
  /** Cache-hit submits per second over status GETs of a pending task (with queue position) per second, same run. */
  ratio: number;
  /** The same over status GETs of a completed task (no queue lookup: the cheapest status). */
  ratioToCompleted: number;
  table: string;
}

const STATUS_PENDING = 'GET /api/video/status/{id} (pending, with queue position)';
const STATUS_COMPLETED = 'GET /api/video/status/{id} (completed)';
const CACHE_HIT = 'POST /api/video/generate (cache hit)';
const ROUNDS = 3;

/** Requests per second over all slices; the median slice's latencies. */
function combine(name: string, slices: LoadResult[]): LoadResult {
  const middle = [...slices].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(slices.length / 2)]!;
  const rate = slices.reduce((sum, slice) => sum + slice.requestsPerSecond, 0) / slices.length;
  return { name, requestsPerSecond: rate, p50Ms: middle.p50Ms, p99Ms: middle.p99Ms, non2xx: slices.reduce((sum, slice) => sum + slice.non2xx, 0) };
}

/** Status GETs (pending and completed task) and cache-hit submits, interleaved, on one gateway with the guards off. */
export async function runCacheBench(durationSeconds = 8): Promise<CacheBenchResult> {
  const stack = new TestStack({ LOG_LEVEL: 'warn', THROTTLE_ENABLED: 'false', ADMISSION_ENABLED: 'false' });
  try {
    await stack.startRedis();
    await stack.startGateway();
    const token = tokenFor('bench-cache');
    const completed = await primeCacheEntry(stack, token);
    const api = new Api(stack.baseUrl, token);
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(await api.submit({ prompt: `queued ${i}`, width: 256, height: 256 })); // no dispatcher now: they wait
    const headers = { authorization: `Bearer ${token}` };
    const targets: Array<[string, LoadOptions]> = [
      [STATUS_PENDING, { url: `${stack.baseUrl}/api/video/status/${pending[25]!.taskId}`, headers }],
      [STATUS_COMPLETED, { url: `${stack.baseUrl}/api/video/status/${completed}`, headers }],
      [CACHE_HIT, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(CACHE_HIT_BODY) }],
    ];
    // Interleaved slices, so a change in background load touches every target alike.
    const slices = new Map<string, LoadResult[]>(targets.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, options] of targets) slices.get(name)!.push(await load(name, { ...options, durationSeconds: Math.max(1, Math.round(durationSeconds / ROUNDS)) }));
    }
    const [statusPending, statusCompleted, hit] = targets.map(([name]) => combine(name, slices.get(name)!)) as [LoadResult, LoadResult, LoadResult];
    const rows = [statusPending, statusCompleted, hit];
    return {
      rows,
      ratio: hit.requestsPerSecond / statusPending.requestsPerSecond,
      ratioToCompleted: hit.requestsPerSecond / statusCompleted.requestsPerSecond,
      table: formatTable(rows, statusPending, { [CACHE_HIT]: 0.8 }).replace('vs bare Fastify', 'vs pending status'),
    };
  } finally {
    await stack.stop();
  }
}

if (process.argv[1]?.endsWith('cache.js')) {
  const result = await runCacheBench(Number(process.argv[2] ?? process.env.BENCH_SECONDS ?? 8));
  process.stdout.write(`${result.table}\n\ncache hit / pending status GET = ${result.ratio.toFixed(2)}; / completed status GET = ${result.ratioToCompleted.toFixed(2)}\n`);
}
