/**
 * `npm run bench`, HTTP part: one run, one table. The baseline is a bare Fastify GET measured in the same
 * run; every gateway figure is reported as a ratio to it.
 *
 * Two gateways share one Redis: one with the guard layer off (the foundation's figures) and one with every
 * guard on. After a warm-up, the four gateway figures are measured in interleaved rounds (status, cache hit,
 * submit, guarded submit, then again), so a change in the machine's background load touches each figure
 * alike; a same-run comparison is the median of its per-round ratios.
 *
 * No dispatcher drains the queue during the submit rounds, so every 100 ms the bench trims the Bull wait list
 * to the 50 jobs queued first (the status probe among them), as admission control keeps it short in
 * production (Bull inserts prioritised jobs in O(queue length)), and forgets the bench principal's
 * unfinished tasks as if they had run (admission's per-principal cap would otherwise keep it at its size).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { generationQueueName } from '@app/contracts';
import { unfinishedTasksKey } from '../apps/gateway/src/guards/admission/admission-gate.js';
import { Api } from '../test/support/api.js';
import { freePort, ManagedProcess, waitFor } from '../test/support/processes.js';
import { TestStack, tokenFor } from '../test/support/stack.js';
import { CACHE_HIT_BODY, primeCacheEntry } from './cache.js';
import { formatTable, load, markdown, type LoadOptions, type LoadResult } from './load.js';

const MODEL = 'easyanimate-v5.1-12b';
const SUBMIT_BODY = JSON.stringify({ prompt: 'a red fox running through fresh snow at dawn, cinematic', width: 512, height: 512, numFrames: 25 });
const ROUNDS = 6;
const PRINCIPAL = 'bench-user';

/** Settings that switch the guard layer off (foundation figures) or on with limits the load never reaches. */
export const GUARDS_OFF: Record<string, string> = {
  THROTTLE_ENABLED: 'false',
  ADMISSION_ENABLED: 'false',
};
export const GUARDS_ON: Record<string, string> = {
  THROTTLE_ENABLED: 'true',
  ADMISSION_ENABLED: 'true',
  THROTTLE_SUBMIT_LIMIT: '100000000',
  THROTTLE_STATUS_LIMIT: '100000000',
  MAX_WAITING_JOBS: '100000000',
  MAX_UNFINISHED_PER_PRINCIPAL: '100000000',
};

const STATUS = 'GET /api/video/status/{id} (pending, with queue position)';
const CACHE_HIT = 'POST /api/video/generate (result-cache hit)';
const SUBMIT = 'POST /api/video/generate (JWT, validation, enqueue)';
const GUARDED = 'POST /api/video/generate (every guard on, 10k banned terms)';

/** The issues' aims that compare two figures of the same run: [label, figure, reference figure, aim]. */
const COMPARISONS: Array<[string, string, string, number]> = [
  ['submit with every guard on / submit', GUARDED, SUBMIT, 0.8],
  ['cache-hit submit / status GET', CACHE_HIT, STATUS, 0.8],
];

export interface Comparison {
  label: string;
  /** Median of the per-round ratios. */
  ratio: number;
  lowest: number;
  highest: number;
  aim: number;
}

export interface HttpBenchResult {
  rows: LoadResult[];
  baseline: LoadResult;
  comparisons: Comparison[];
  table: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Mean rate over the rounds; the median round's latencies. */
function combine(name: string, rounds: LoadResult[]): LoadResult {
  const byRate = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = byRate[Math.floor(byRate.length / 2)]!;
  const rate = rounds.reduce((sum, round) => sum + round.requestsPerSecond, 0) / rounds.length;
  return { name, requestsPerSecond: rate, p50Ms: middle.p50Ms, p99Ms: middle.p99Ms, non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0) };
}

function compare(rounds: Map<string, LoadResult[]>): Comparison[] {
  return COMPARISONS.map(([label, figure, reference, aim]) => {
    const ratios = rounds.get(figure)!.map((round, i) => round.requestsPerSecond / rounds.get(reference)![i]!.requestsPerSecond);
    return { label, ratio: median(ratios), lowest: Math.min(...ratios), highest: Math.max(...ratios), aim };
  });
}

function formatComparisons(comparisons: Comparison[]): string {
  return markdown([
    ['comparison', 'ratio (median of rounds)', 'range over rounds', 'aim'],
    ...comparisons.map((c) => [c.label, c.ratio.toFixed(2), `${c.lowest.toFixed(2)}–${c.highest.toFixed(2)}`, `>= ${c.aim}`]),
  ]);
}

async function startGuardedGateway(stack: TestStack): Promise<{ process: ManagedProcess; baseUrl: string }> {
  const termsFile = join(stack.dir, 'banned-terms.txt');
  writeFileSync(termsFile, Array.from({ length: 10_000 }, (_, i) => `forbiddenterm${i.toString(36)}x`).join('\n'));
  const port = await freePort();
  const gateway = new ManagedProcess('gateway-guarded', process.execPath, ['dist/apps/gateway/src/main.js'], {
    env: stack.appEnv({ ...GUARDS_ON, PROMPT_BANNED_TERMS_FILE: termsFile, PORT: String(port) }),
    logDir: stack.logDir,
  }).start();
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('guarded gateway', async () => (await fetch(`${baseUrl}/health`)).ok, 30_000);
  return { process: gateway, baseUrl };
}

async function measureBaseline(stack: TestStack, durationSeconds: number): Promise<LoadResult> {
  const port = await freePort();
  const bare = new ManagedProcess('bare-fastify', process.execPath, ['dist/bench/bare-fastify.js', String(port)], {
    env: process.env,
    logDir: stack.logDir,
  }).start();
  try {
    const url = `http://127.0.0.1:${port}/ping`;
    await waitFor('bare fastify', async () => (await fetch(url)).ok);
    await load('warm-up', { url, durationSeconds: 1 });
    return await load('bare Fastify GET /ping', { url, durationSeconds });
  } finally {
    await bare.stop();
  }
}

export async function runHttpBench(durationSeconds = 12): Promise<HttpBenchResult> {
  const stack = new TestStack({ LOG_LEVEL: 'warn' });
  let trimmer: NodeJS.Timeout | undefined;
  let redis: Redis | undefined;
  try {
    await stack.startRedis();
    const baseline = await measureBaseline(stack, durationSeconds);

    stack.gatewayPort = await freePort();
    await stack.startGateway(GUARDS_OFF);
    const guarded = await startGuardedGateway(stack);
    const token = tokenFor(PRINCIPAL);
    await primeCacheEntry(stack, token); // a finished render of CACHE_HIT_BODY, made by a real model service
    const api = new Api(stack.baseUrl, token);
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(await api.submit({ prompt: `queued ${i}`, width: 256, height: 256 }));

    const queue = `bull:${generationQueueName(MODEL)}`;
    redis = new Redis(stack.redisUrl);
    const trim = redis;
    const unfinished = unfinishedTasksKey(PRINCIPAL);
    trimmer = setInterval(() => void trim.multi().ltrim(`${queue}:wait`, -50, -1).del(`${queue}:priority`).del(unfinished).exec(), 100);

    const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const targets: Array<[string, LoadOptions]> = [
      [STATUS, { url: `${stack.baseUrl}/api/video/status/${pending[25]!.taskId}`, headers: { authorization: `Bearer ${token}` } }],
      [CACHE_HIT, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: json, body: JSON.stringify(CACHE_HIT_BODY) }],
      [SUBMIT, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: json, body: SUBMIT_BODY }],
      [GUARDED, { url: `${guarded.baseUrl}/api/video/generate`, method: 'POST', headers: json, body: SUBMIT_BODY }],
    ];
    for (const [name, options] of targets) await load(name, { ...options, durationSeconds: 1 }); // JIT warm-up
    const rounds = new Map<string, LoadResult[]>(targets.map(([name]) => [name, []]));
    const slice = Math.max(1, Math.round(durationSeconds / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, options] of targets) rounds.get(name)!.push(await load(name, { ...options, durationSeconds: slice }));
    }
    await guarded.process.stop();

    const rows = [baseline, ...targets.map(([name]) => combine(name, rounds.get(name)!))];
    const comparisons = compare(rounds);
    const table = `${formatTable(rows, baseline, { [STATUS]: 0.4, [SUBMIT]: 0.25 })}\n\n${formatComparisons(comparisons)}`;
    return { rows, baseline, comparisons, table };
  } finally {
    if (trimmer) clearInterval(trimmer);
    await redis?.quit();
    await stack.stop();
  }
}

if (process.argv[1]?.endsWith('http.js')) {
  const result = await runHttpBench(Number(process.env.BENCH_SECONDS ?? 12));
  process.stdout.write(`${result.table}\n`);
}
