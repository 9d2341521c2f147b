import { BannedTermMatcher } from './prompt/banned-terms.js';

export interface BannedTermScanMeasurement {
  medianMicros: number;
  p99Micros: number;
  termCount: number;
  textLength: number;
  iterations: number;
}

/** Small deterministic PRNG (mulberry32) so every run measures the same terms and texts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Latin letters, digits and some common CJK characters: terms and text share the alphabet, so the scan
// follows real partial matches and failure links instead of skipping unknown characters.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年';

function randomString(rand: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

/**
 * Builds `termCount` random terms (4–12 characters) and texts of `textLength` characters that contain none of
 * them (the worst case: the whole text is scanned), then times `iterations` scans with process.hrtime.bigint.
 */
export function measureBannedTermScan(termCount: number, textLength: number, iterations: number): BannedTermScanMeasurement {
  const rand = prng(0x5eed);
  const terms: string[] = [];
  for (let i = 0; i < termCount; i++) terms.push(randomString(rand, 4 + Math.floor(rand() * 9)));
  const matcher = new BannedTermMatcher(terms);

  const texts: string[] = [];
  while (texts.length < 16) {
    const text = randomString(rand, textLength);
    if (matcher.firstMatch(text) < 0) texts.push(text);
  }

  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += matcher.firstMatch(texts[i % texts.length]!); // warm-up (JIT)
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const text = texts[i % texts.length]!;
    const t0 = process.hrtime.bigint();
    sink += matcher.firstMatch(text);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  if (sink === 0.5) console.log(sink); // keeps the calls observable to the optimiser
  samples.sort();
  return {
    medianMicros: samples[Math.floor(iterations / 2)] ?? NaN,
    p99Micros: samples[Math.min(iterations - 1, Math.floor(iterations * 0.99))] ?? NaN,
    termCount,
    textLength,
    iterations,
  };
}
