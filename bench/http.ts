/**
 * `npm run bench`, HTTP part: one run, one table. The baseline is a bare Fastify GET measured in the same
 * run; every gateway figure is reported as a ratio to it. No dispatcher drains the queue during the submit
 * runs, so the bench trims the Bull wait list every 100 ms to keep it as short as admission control keeps
 * it in production (≤ MAX_WAITING_JOBS): Bull inserts prioritised jobs in O(queue length).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { generationQueueName } from '@app/contracts';
import { Api } from '../test/support/api.js';
import { freePort, ManagedProcess, waitFor } from '../test/support/processes.js';
import { TestStack, tokenFor } from '../test/support/stack.js';
import { CACHE_HIT_BODY, primeCacheEntry } from './cache.js';
import { formatTable, load, markdown, type LoadResult } from './load.js';

const MODEL = 'easyanimate-v5.1-12b';
const SUBMIT_BODY = JSON.stringify({ prompt: 'a red fox running through fresh snow at dawn, cinematic', width: 512, height: 512, numFrames: 25 });

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
const SUBMIT = 'POST /api/video/generate (JWT, validation, enqueue)';
const GUARDED = 'POST /api/video/generate (every guard on, 10k banned terms)';
const CACHE_HIT = 'POST /api/video/generate (result-cache hit)';

/** The issues' aims that compare two figures of the same run. */
function formatRatios(rows: LoadResult[]): string {
  const rate = (name: string) => rows.find((row) => row.name === name)?.requestsPerSecond ?? Number.NaN;
  const ratio = (a: string, b: string) => (rate(a) / rate(b)).toFixed(2);
  return markdown([
    ['comparison', 'ratio', 'aim'],
    ['submit with every guard on / submit', ratio(GUARDED, SUBMIT), '>= 0.8'],
    ['cache-hit submit / status GET', ratio(CACHE_HIT, STATUS), '>= 0.8'],
  ]);
}

export interface HttpBenchResult {
  rows: LoadResult[];
  baseline: LoadResult;
  table: string;
}

export async function runHttpBench(durationSeconds = 8): Promise<HttpBenchResult> {
  const stack = new TestStack({ LOG_LEVEL: 'warn' });
  const rows: LoadResult[] = [];
  let trimmer: NodeJS.Timeout | undefined;
  try {
    await stack.startRedis();
    const barePort = await freePort();
    const bare = new ManagedProcess('bare-fastify', process.execPath, ['dist/bench/bare-fastify.js', String(barePort)], {
      env: process.env,
      logDir: stack.logDir,
    }).start();
    await waitFor('bare fastify', async () => (await fetch(`http://127.0.0.1:${barePort}/ping`)).ok);
    const baseline = await load('bare Fastify GET /ping', { url: `http://127.0.0.1:${barePort}/ping`, durationSeconds });
    await bare.stop();
    rows.push(baseline);

    const token = tokenFor('bench-user');
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const redis = new Redis(stack.redisUrl);
    const queue = `bull:${generationQueueName(MODEL)}`;

    stack.gatewayPort = await freePort();
    await stack.startGateway(GUARDS_OFF);
    const api = new Api(stack.baseUrl, token);
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(await api.submit({ prompt: `queued ${i}`, width: 256, height: 256 }));
    const probe = pending[25]!.taskId;
    const statusRow = await load(STATUS, {
      url: `${stack.baseUrl}/api/video/status/${probe}`,
      headers: { authorization: `Bearer ${token}` },
      durationSeconds,
    });
    rows.push(statusRow);

    trimmer = setInterval(() => void redis.multi().del(`${queue}:wait`).del(`${queue}:priority`).exec(), 100);
    rows.push(await load(SUBMIT, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: auth, body: SUBMIT_BODY, durationSeconds }));
    await stack.gateway!.stop();

    const termsFile = join(stack.dir, 'banned-terms.txt');
    writeFileSync(termsFile, Array.from({ length: 10_000 }, (_, i) => `forbiddenterm${i.toString(36)}x`).join('\n'));
    await stack.startGateway({ ...GUARDS_ON, PROMPT_BANNED_TERMS_FILE: termsFile });
    rows.push(await load(GUARDED, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: auth, body: SUBMIT_BODY, durationSeconds }));
    clearInterval(trimmer);
    trimmer = undefined;
    await stack.gateway!.stop();

    // Same settings as the status run, so the cache-hit figure compares like with like.
    await stack.startGateway(GUARDS_OFF);
    await primeCacheEntry(stack, token);
    rows.push(await load(CACHE_HIT, { url: `${stack.baseUrl}/api/video/generate`, method: 'POST', headers: auth, body: JSON.stringify(CACHE_HIT_BODY), durationSeconds }));
    await redis.quit();

    const table = formatTable(rows, baseline, { [STATUS]: 0.4, [SUBMIT]: 0.25 }) + '\n\n' + formatRatios(rows);
    return { rows, baseline, table };
  } finally {
    if (trimmer) clearInterval(trimmer);
    await stack.stop();
  }
}

if (process.argv[1]?.endsWith('http.js')) {
  const result = await runHttpBench(Number(process.env.BENCH_SECONDS ?? 8));
  process.stdout.write(`${result.table}\n`);
}
