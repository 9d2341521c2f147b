import type { FieldError, FrameLimit, GenerationMode, GenerationParams, ModelProfile, Range, SideLimit } from './types.js';

export const MAX_SEED = 0xffff_ffff;

// Bound once: a global lookup per call is slow where the global object is a vm context's (jest).
const isInteger = Number.isInteger;

export interface GenerationRequestInput extends Partial<GenerationParams> {
  prompt?: string;
  negativePrompt?: string;
  mode?: GenerationMode;
}

export type GenerationValidation =
  | { ok: true; params: GenerationParams; mode: GenerationMode }
  | { ok: false; errors: FieldError[] };

/** Values come from JSON: anything may arrive where a number is typed. null counts as absent. */
function isMissing(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

function isIntegerIn(v: unknown, r: Range): v is number {
  return typeof v === 'number' && isInteger(v) && v >= r.min && v <= r.max;
}

function isNumberIn(v: unknown, r: Range): v is number {
  return typeof v === 'number' && v >= r.min && v <= r.max; // NaN fails both comparisons
}

export function isSideAllowed(v: unknown, l: SideLimit): v is number {
  return isIntegerIn(v, l) && v % l.multipleOf === 0;
}

export function isFrameCountAllowed(v: unknown, l: FrameLimit): v is number {
  return isIntegerIn(v, l) && (l.form === 'any' || v % 4 === 1);
}

function rangeText(r: Range): string {
  return r.min === r.max ? `${r.min}` : `${r.min}..${r.max}`;
}

function integerMessage(field: string, r: Range): FieldError {
  return r.min === r.max
    ? { field, message: `${field} must be ${r.min}`, allowed: `${r.min}` }
    : { field, message: `${field} must be an integer between ${r.min} and ${r.max}`, allowed: rangeText(r) };
}

function sideError(field: string, l: SideLimit): FieldError {
  return {
    field,
    message: `${field} must be a multiple of ${l.multipleOf} between ${l.min} and ${l.max}`,
    allowed: `${rangeText(l)}, multiple of ${l.multipleOf}`,
  };
}

function framesError(l: FrameLimit): FieldError {
  if (l.form === 'any') return integerMessage('numFrames', l);
  return {
    field: 'numFrames',
    message: `numFrames must be an integer of the form 4n+1 between ${l.min} and ${l.max}`,
    allowed: `${l.min}, ${l.min + 4}, ${l.min + 8}, ..., ${l.max}`,
  };
}

function sizesText(sizes: ReadonlyArray<readonly [number, number]>): string {
  return sizes.map(([w, h]) => `${w}x${h}`).join(', ');
}

function isAllowedPair(sizes: ReadonlyArray<readonly [number, number]>, w: number, h: number): boolean {
  for (const s of sizes) if (s[0] === w && s[1] === h) return true;
  return false;
}

/** With discrete sizes and one side given, the only allowed size with that side (if exactly one). */
function completeSize(
  sizes: ReadonlyArray<readonly [number, number]>,
  side: 0 | 1,
  value: number,
): readonly [number, number] | undefined {
  let match: readonly [number, number] | undefined;
  for (const s of sizes) {
    if (s[side] !== value) continue;
    if (match) return undefined;
    match = s;
  }
  return match;
}

/**
 * Checks the generation parameters and mode of a request against a profile and fills in defaults.
 * Prompt fields are checked by checkPromptFields (they need normalising first).
 */
export function validateGenerationRequest(profile: ModelProfile, input: GenerationRequestInput): GenerationValidation {
  const { limits, defaults } = profile;
  let errors: FieldError[] | undefined;
  const fail = (e: FieldError): void => {
    (errors ??= []).push(e);
  };

  let mode: GenerationMode = profile.modes[0]!;
  if (!isMissing(input.mode)) {
    if (profile.modes.includes(input.mode)) mode = input.mode;
    else
      fail({
        field: 'mode',
        message: `mode must be one of ${profile.modes.join(', ')} for ${profile.id}`,
        allowed: profile.modes.join(', '),
      });
  }

  let width: unknown = input.width;
  let height: unknown = input.height;
  const sizes = profile.allowedSizes;
  if (sizes) {
    if (isMissing(width) && isMissing(height)) {
      width = defaults.width;
      height = defaults.height;
    } else if (isMissing(height) && typeof width === 'number') {
      height = completeSize(sizes, 0, width)?.[1] ?? defaults.height;
    } else if (isMissing(width) && typeof height === 'number') {
      width = completeSize(sizes, 1, height)?.[0] ?? defaults.width;
    }
    if (typeof width !== 'number' || typeof height !== 'number' || !isAllowedPair(sizes, width, height)) {
      const allowed = sizesText(sizes);
      const knownWidth = typeof width === 'number' && sizes.some((s) => s[0] === width);
      fail({
        field: knownWidth ? 'height' : 'width',
        message: `width x height must be one of ${allowed} for ${profile.id} (got ${String(width)}x${String(height)})`,
        allowed,
      });
    }
  } else {
    if (isMissing(width)) width = defaults.width;
    else if (!isSideAllowed(width, limits.width)) fail(sideError('width', limits.width));
    if (isMissing(height)) height = defaults.height;
    else if (!isSideAllowed(height, limits.height)) fail(sideError('height', limits.height));
  }

  let numFrames: unknown = input.numFrames;
  if (isMissing(numFrames)) numFrames = defaults.numFrames;
  else if (!isFrameCountAllowed(numFrames, limits.numFrames)) fail(framesError(limits.numFrames));

  let fps: unknown = input.fps;
  if (isMissing(fps)) fps = defaults.fps;
  else if (!isIntegerIn(fps, limits.fps)) fail(integerMessage('fps', limits.fps));

  let steps: unknown = input.numInferenceSteps;
  if (isMissing(steps)) steps = defaults.numInferenceSteps;
  else if (!isIntegerIn(steps, limits.numInferenceSteps)) fail(integerMessage('numInferenceSteps', limits.numInferenceSteps));

  let guidance: unknown = input.guidanceScale;
  if (isMissing(guidance)) guidance = defaults.guidanceScale;
  else if (!isNumberIn(guidance, limits.guidanceScale))
    fail({
      field: 'guidanceScale',
      message: `guidanceScale must be a number between ${limits.guidanceScale.min} and ${limits.guidanceScale.max}`,
      allowed: rangeText(limits.guidanceScale),
    });

  const seed: unknown = input.seed;
  if (!isMissing(seed) && !isIntegerIn(seed, { min: 0, max: MAX_SEED }))
    fail({ field: 'seed', message: `seed must be an integer between 0 and ${MAX_SEED}`, allowed: `0..${MAX_SEED}` });

  if (errors) return { ok: false, errors };
  const params: GenerationParams = {
    width: width as number,
    height: height as number,
    numFrames: numFrames as number,
    fps: fps as number,
    numInferenceSteps: steps as number,
    guidanceScale: guidance as number,
  };
  if (!isMissing(seed)) params.seed = seed as number;
  return { ok: true, params, mode };
}
