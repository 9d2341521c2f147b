/** Runs the benchmarks in sequence (they share the machine's two cores, so never in parallel). */
import { runHttpBench } from './http.js';

const seconds = Number(process.argv[2] ?? 8);
process.stdout.write(`# video gateway benchmarks (${new Date().toISOString()}, ${seconds} s per HTTP figure)\n\n## HTTP hot path\n`);
const http = await runHttpBench(seconds);
process.stdout.write(`${http.table}\n`);
