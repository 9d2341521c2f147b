/**
 * The stack scripts/checks/fuzz.sh fuzzes: Redis, one procedural model service, a dispatcher and a gateway on
 * free loopback ports (the e2e harness, from dist/). Writes `BASE_URL TOKEN ADMIN_TOKEN LOG_DIR` to the file
 * named by its argument once everything answers, and stops everything on SIGTERM or SIGINT.
 * Limits are raised so that the fuzzer's volume is not refused with 429/503: admission and throttling have
 * their own tests; here every 5xx is a bug.
 */
import { writeFileSync } from 'node:fs';
import { TestStack, tokenFor } from '../../test/support/stack.js';

const readyFile = process.argv[2];
if (!readyFile) throw new Error('usage: fuzz-stack.js <ready-file>');

const stack = new TestStack({
  LOG_LEVEL: 'warn',
  // The compat APIs answer 503 unless their model is enabled: enable them (their jobs wait, unserved).
  MODELS: 'easyanimate-v5.1-12b,opensora-2.0,wan2.1-i2v-14b-480p,wan2.1-t2v-1.3b',
  READINESS_REQUIRES_MODEL_SERVICES: 'false', // those models have no service: readiness would rightly say 503
  THROTTLE_SUBMIT_LIMIT: '1000000',
  THROTTLE_STATUS_LIMIT: '1000000',
  THROTTLE_DEFAULT_LIMIT: '1000000',
  MAX_WAITING_JOBS: '1000000',
  MAX_UNFINISHED_PER_PRINCIPAL: '1000000',
});
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stack.stop().catch(() => undefined);
  process.exit(code);
};
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  // A 16 GB card: the VRAM policy shrinks the fuzzer's biggest requests, so jobs stay small and quick.
  await stack.start([{ stepDelayMs: 1, vramGb: 16 }]);
  const token = tokenFor('fuzzer', { roles: ['video:generate'] });
  const admin = tokenFor('fuzz-admin', { roles: ['video:admin'] });
  writeFileSync(readyFile, `${stack.baseUrl} ${token} ${admin} ${stack.logDir}\n`);
} catch (error) {
  process.stderr.write(`fuzz-stack: ${String(error)}\n`);
  await stop(1);
}
setInterval(() => undefined, 60_000); // stay up until signalled
