import { fastestFittingMode, fitEvidence, vramBytesToGb } from './fit.js';
import type { GenerationParams, MemoryMode, ModelProfile } from './types.js';

export interface Adjustment {
  field: 'memoryMode' | 'width' | 'height' | 'numFrames';
  from: string | number | null;
  to: string | number;
  reason: string;
}

export type EffectiveParams = GenerationParams & { memoryMode: MemoryMode };

export type VramFit =
  | { ok: true; effective: EffectiveParams; adjustments: Adjustment[] }
  | { ok: false; reason: string };

export interface FitOptions {
  /** Memory modes this service can run in (e.g. the one it loaded the model with); default: all of the profile's. */
  memoryModes?: readonly MemoryMode[];
}

/** Discrete sizes count as the same shape when their aspect ratios differ by at most this fraction. */
export const DISCRETE_ASPECT_TOLERANCE = 0.05;

type Size = readonly [number, number];

function gbText(vramGb: number): string {
  return `${Math.round(vramGb * 10) / 10} GB`;
}

function roundToMultiple(v: number, m: number): number {
  return Math.round(v / m) * m;
}

/**
 * Smaller sizes with the requested aspect ratio, largest first, never larger than the request on either side.
 * Continuous profiles: the short side steps down by its multiple to its minimum and the long side follows,
 * rounded to its multiple. Discrete profiles: allowed sizes of the same orientation and shape.
 */
function smallerSizes(profile: ModelProfile, width: number, height: number): Size[] {
  const out: Size[] = [];
  const sizes = profile.allowedSizes;
  if (sizes) {
    const ratio = width / height;
    for (const s of sizes) {
      if (s[0] > width || s[1] > height || (s[0] === width && s[1] === height)) continue;
      if (Math.sign(s[0] - s[1]) !== Math.sign(width - height)) continue;
      if (Math.abs(s[0] / s[1] - ratio) > ratio * DISCRETE_ASPECT_TOLERANCE) continue;
      out.push(s);
    }
    return out.sort((a, b) => b[0] * b[1] - a[0] * a[1]);
  }
  const widthIsShort = width <= height;
  const shortLimit = widthIsShort ? profile.limits.width : profile.limits.height;
  const longLimit = widthIsShort ? profile.limits.height : profile.limits.width;
  const short = widthIsShort ? width : height;
  const long = widthIsShort ? height : width;
  const m = shortLimit.multipleOf;
  for (let s = Math.floor((short - 1) / m) * m; s >= shortLimit.min; s -= m) {
    const l = Math.min(long, Math.max(longLimit.min, roundToMultiple((s * long) / short, longLimit.multipleOf)));
    out.push(widthIsShort ? [s, l] : [l, s]);
  }
  return out;
}

/** Allowed frame counts below `numFrames`, largest first. */
function smallerFrameCounts(profile: ModelProfile, numFrames: number): number[] {
  const { min, form } = profile.limits.numFrames;
  const out: number[] = [];
  const step = form === '4n+1' ? 4 : 1;
  let f = numFrames - 1;
  if (form === '4n+1') f = Math.floor((numFrames - 2) / 4) * 4 + 1;
  for (; f >= min; f -= step) out.push(f);
  return out;
}

function smallestSize(profile: ModelProfile): Size {
  const sizes = profile.allowedSizes;
  if (!sizes) return [profile.limits.width.min, profile.limits.height.min];
  let best = sizes[0]!;
  for (const s of sizes) if (s[0] * s[1] < best[0] * best[1]) best = s;
  return best;
}

/**
 * Picks how a request runs on a GPU with `vramBytes` of memory: the fastest memory mode that fits the requested
 * size; when none does, the largest smaller resolution with the same aspect ratio at the requested frame count;
 * when none does, the largest smaller frame count (at the largest resolution that then fits). Every change comes
 * back as an Adjustment with its reason. A memory mode slower than the profile's fastest is reported too.
 */
export function fitToVram(
  profile: ModelProfile,
  requested: GenerationParams,
  vramBytes: number,
  options: FitOptions = {},
): VramFit {
  const vramGb = vramBytesToGb(vramBytes);
  const usable = options.memoryModes;
  if (!(vramGb > 0) || !Number.isFinite(vramGb)) {
    return { ok: false, reason: `GPU memory must be a positive number of bytes (got ${vramBytes})` };
  }
  const { width, height, numFrames } = requested;

  const direct = fastestFittingMode(profile, vramGb, width, height, numFrames, usable);
  if (direct) return accept(profile, requested, vramGb, direct, width, height, numFrames, usable);

  const [minW, minH] = smallestSize(profile);
  const minFrames = profile.limits.numFrames.min;
  if (!fastestFittingMode(profile, vramGb, minW, minH, minFrames, usable)) {
    return {
      ok: false,
      reason: `${profile.displayName} cannot run on a ${gbText(vramGb)} GPU even at ${minW}x${minH}x${minFrames}${modesNote(usable)} (${fitEvidence(profile, vramGb)})`,
    };
  }

  const sizes = smallerSizes(profile, width, height);
  for (const [w, h] of sizes) {
    const mode = fastestFittingMode(profile, vramGb, w, h, numFrames, usable);
    if (mode) return accept(profile, requested, vramGb, mode, w, h, numFrames, usable);
  }
  sizes.unshift([width, height]);
  for (const f of smallerFrameCounts(profile, numFrames)) {
    for (const [w, h] of sizes) {
      const mode = fastestFittingMode(profile, vramGb, w, h, f, usable);
      if (mode) return accept(profile, requested, vramGb, mode, w, h, f, usable);
    }
  }
  return {
    ok: false,
    reason: `${width}x${height}x${numFrames} cannot be reduced to anything that fits a ${gbText(vramGb)} GPU with the same aspect ratio${modesNote(usable)} (${fitEvidence(profile, vramGb)})`,
  };
}

function modesNote(usable: readonly MemoryMode[] | undefined): string {
  return usable ? ` with the memory modes this service allows (${usable.join(', ')})` : '';
}

function accept(
  profile: ModelProfile,
  requested: GenerationParams,
  vramGb: number,
  memoryMode: MemoryMode,
  width: number,
  height: number,
  numFrames: number,
  usable: readonly MemoryMode[] | undefined,
): VramFit {
  const adjustments: Adjustment[] = [];
  const sizeChanged = width !== requested.width || height !== requested.height;
  const framesChanged = numFrames !== requested.numFrames;
  const fastest = profile.memoryModes[0]!;
  if (!sizeChanged && !framesChanged && memoryMode === fastest) {
    return { ok: true, effective: { ...requested, memoryMode }, adjustments };
  }
  const rq = `${requested.width}x${requested.height}x${requested.numFrames}`;
  const where = `a ${gbText(vramGb)} GPU${modesNote(usable)} (${fitEvidence(profile, vramGb)})`;
  if (sizeChanged) {
    const how = profile.allowedSizes ? 'next allowed size of the same orientation' : 'same aspect ratio';
    const reason = `${rq} does not fit ${where} in any memory mode; reduced to ${width}x${height} (${how})`;
    if (width !== requested.width) adjustments.push({ field: 'width', from: requested.width, to: width, reason });
    if (height !== requested.height) adjustments.push({ field: 'height', from: requested.height, to: height, reason });
  }
  if (framesChanged) {
    adjustments.push({
      field: 'numFrames',
      from: requested.numFrames,
      to: numFrames,
      reason: `${rq} does not fit ${where} at any smaller size with the same aspect ratio; reduced to ${width}x${height}x${numFrames}`,
    });
  }
  if (memoryMode !== fastest) {
    adjustments.push({
      field: 'memoryMode',
      from: fastest,
      to: memoryMode,
      reason: `${width}x${height}x${numFrames} on ${where} runs with ${memoryMode}, not ${fastest}`,
    });
  }
  return { ok: true, effective: { ...requested, width, height, numFrames, memoryMode }, adjustments };
}
