import { hash } from 'node:crypto';

export interface CacheKeyInput {
  model: string;
  mode: string;
  /** Already normalised (normalizePrompt). */
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  numInferenceSteps: number;
  guidanceScale: number;
  seed?: number;
  /** Digest of the input image for i2v, as the caller computed it. */
  imageDigest?: string;
}

const VERSION = 'video-request-v1';

function canonicalNumber(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${field} must be a finite number`);
  return v === 0 ? 0 : v; // -0 and 0 are the same request
}

/**
 * Hex SHA-256 of a canonical serialisation: a JSON array in a fixed field order (JSON escapes strings
 * unambiguously and prints each number in one shortest form), with null for an absent seed or image.
 * Only meaningful as a cache key when a seed is set: without one each run differs.
 */
export function canonicalRequestKey(input: CacheKeyInput): string {
  const canonical = JSON.stringify([
    VERSION,
    input.model,
    input.mode,
    input.prompt,
    input.negativePrompt,
    canonicalNumber('width', input.width),
    canonicalNumber('height', input.height),
    canonicalNumber('numFrames', input.numFrames),
    canonicalNumber('fps', input.fps),
    canonicalNumber('numInferenceSteps', input.numInferenceSteps),
    canonicalNumber('guidanceScale', input.guidanceScale),
    input.seed === undefined || input.seed === null ? null : canonicalNumber('seed', input.seed),
    input.imageDigest === undefined || input.imageDigest === null ? null : input.imageDigest,
  ]);
  return hash('sha256', canonical, 'hex'); // one-shot: half the cost of createHash().update().digest() here
}
