/** `npm run bench`: the benchmarks in sequence (they share the machine's two cores, so never in parallel). */
import { cpus } from 'node:os';
import { benchBannedTerms } from './guards.js';
import { runHttpBench } from './http.js';
import { markdown } from './load.js';

const seconds = Number(process.argv[2] ?? 12);
const out = (text: string) => process.stdout.write(`${text}\n`);
out(`# video gateway benchmarks (${new Date().toISOString()}, ${cpus().length} cores, ${seconds} s per HTTP figure)\n`);

out('## HTTP hot path (autocannon, 64 connections, load generator on the same machine)\n');
out((await runHttpBench(seconds)).table);

const terms = await benchBannedTerms();
out('\n## Prompt screening\n');
out(
  markdown([
    ['measure', 'median µs', 'p99 µs', 'aim'],
    [`scan of ${terms.textLength} characters against ${terms.termCount} banned terms`, terms.medianMicros.toFixed(1), terms.p99Micros.toFixed(1), '<= 50 µs median'],
    ['whole prompt check (normalise, fold, scan)', terms.fullCheckMedianMicros.toFixed(1), '', ''],
  ]),
);

const fleet = await import('./fleet.js').catch(() => undefined);
if (fleet) {
  out('\n## GPU fleet: 4 procedural services, 200 queued jobs\n');
  out((await fleet.runFleetBench()).table);
}
