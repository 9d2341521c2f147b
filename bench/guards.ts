/**
 * `npm run bench`, guard part: the banned-term check on its own. 10,000 terms, 1000-character prompts that
 * contain none of them (the whole text is scanned: the worst case), median of many runs after a warm-up.
 * - scan: the Aho–Corasick scan of already folded text (measureBannedTermScan in @app/policies), the
 *   figure issue 3 asks for (≤ 50 µs median);
 * - full check: what a submit pays for its prompt, checkPromptFields = NFKC normalisation, removal of
 *   invisible characters, folding, length check and scan.
 * The HTTP comparison (submit with every guard on vs off) is in bench/http.ts.
 */
import { BannedTermMatcher, checkPromptFields, measureBannedTermScan } from '@app/policies';

export interface BannedTermBench {
  /** Median µs of one scan of a folded 1000-character text against 10,000 terms. */
  medianMicros: number;
  p99Micros: number;
  /** Median µs of checkPromptFields on a raw 1000-character prompt (normalise, fold, scan). */
  fullCheckMedianMicros: number;
  termCount: number;
  textLength: number;
}

const TERMS = 10_000;
const LENGTH = 1000;

export async function benchBannedTerms(iterations = 20_000): Promise<BannedTermBench> {
  const scan = measureBannedTermScan(TERMS, LENGTH, iterations);
  return { medianMicros: scan.medianMicros, p99Micros: scan.p99Micros, fullCheckMedianMicros: fullCheck(iterations), termCount: TERMS, textLength: LENGTH };
}

/** A realistic prompt: English words, some CJK, mixed case and punctuation; the terms are word-like too. */
function fullCheck(iterations: number): number {
  const words = ['a', 'red', 'Fox', 'running', 'through', 'fresh', 'snow,', 'cinematic', 'lighting.', '森林', '的', '雪', 'slow', 'motion', '4K'];
  const terms = Array.from({ length: TERMS }, (_, i) => `forbiddenterm${i.toString(36)}x`);
  const matcher = new BannedTermMatcher(terms);
  const prompts: string[] = [];
  for (let p = 0; p < 8; p++) {
    let text = '';
    for (let i = p; text.length < LENGTH; i += 7) text += `${words[i % words.length]} `;
    prompts.push(text.slice(0, LENGTH));
  }
  const limits = { promptLength: { min: 1, max: 2000 }, negativePromptLength: { min: 0, max: 1000 } };
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += checkPromptFields({ prompt: prompts[i % prompts.length] }, limits, matcher).ok ? 1 : 0;
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const prompt = prompts[i % prompts.length];
    const t0 = process.hrtime.bigint();
    sink += checkPromptFields({ prompt }, limits, matcher).ok ? 1 : 0;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  if (sink === -1) console.log(sink);
  samples.sort();
  return samples[Math.floor(iterations / 2)] ?? NaN;
}

// `node dist/bench/guards.js` prints the figures on its own.
if (process.argv[1]?.endsWith('/bench/guards.js')) {
  const result = await benchBannedTerms();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
