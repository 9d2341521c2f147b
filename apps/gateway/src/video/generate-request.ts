import type { GenerationMode, Priority, RequestedParams } from '@app/contracts';
import { checkPromptFields, getModelProfile, validateGenerationRequest, type BannedTermMatcher, type ModelProfile } from '@app/policies';
import type { FieldProblem } from '../problem/problem.js';

export interface GenerateRequest {
  model: string;
  mode: GenerationMode;
  priority: Priority;
  requested: RequestedParams;
  /** Webhook target for the final state (checked by the SSRF guard at submit). */
  callbackUrl?: string;
  /** false: neither answered from the result cache nor coalesced with an identical request. */
  cache?: boolean;
}

export interface GenerateRequestContext {
  defaultModel: string;
  enabledModels: ReadonlySet<string>;
  bannedTerms?: BannedTermMatcher;
}

const NUMBER_FIELDS = ['width', 'height', 'numFrames', 'fps', 'numInferenceSteps', 'guidanceScale', 'seed'] as const;
const STRING_FIELDS = ['prompt', 'negativePrompt', 'model', 'priority', 'callbackUrl'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([...NUMBER_FIELDS, ...STRING_FIELDS, 'cache']);
const PRIORITIES: ReadonlySet<string> = new Set(['low', 'normal', 'high']);

/**
 * Reads a native submit body: JSON types first, then the model profile's ranges and the prompt rules.
 * Returns every problem at once so a client can fix them in one go. Null counts as absent, as Jackson sends it.
 */
export function parseGenerateRequest(
  body: unknown,
  context: GenerateRequestContext,
  mode: GenerationMode = 't2v',
): GenerateRequest | FieldProblem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ field: 'body', message: 'must be a JSON object' }];
  }
  const input = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(field) && input[field] !== null) {
      problems.push({ field, message: 'is not a known field', allowed: [...KNOWN_FIELDS].join(', ') });
    }
  }
  for (const field of NUMBER_FIELDS) {
    const value = input[field];
    if (value != null && (typeof value !== 'number' || !Number.isFinite(value))) problems.push({ field, message: 'must be a number' });
  }
  for (const field of STRING_FIELDS) {
    const value = input[field];
    if (value != null && typeof value !== 'string') problems.push({ field, message: 'must be a string' });
  }
  if (input.prompt == null) problems.push({ field: 'prompt', message: 'is required' });
  const cache = readBoolean(input.cache); // multipart forms send "true"/"false"
  if (cache === null) problems.push({ field: 'cache', message: 'must be a boolean', allowed: 'true | false' });
  const priority = (input.priority ?? 'normal') as string;
  if (!PRIORITIES.has(priority)) problems.push({ field: 'priority', message: 'must be low, normal or high', allowed: 'low | normal | high' });

  const model = (input.model ?? context.defaultModel) as string;
  const profile: ModelProfile | undefined = context.enabledModels.has(model) ? getModelProfile(model) : undefined;
  if (!profile) {
    problems.push({ field: 'model', message: `is not served here`, allowed: [...context.enabledModels].join(' | ') });
  }
  if (problems.length > 0 || !profile) return problems;

  // Built field by field, without spreads: this runs on every submit, cache hits included.
  const prompts = checkPromptFields(
    { prompt: input.prompt as string, negativePrompt: (input.negativePrompt ?? undefined) as string | undefined },
    profile.limits,
    context.bannedTerms,
  );
  const numbers = input as Partial<Record<(typeof NUMBER_FIELDS)[number], number>>; // types checked above; null counts as absent
  const params = validateGenerationRequest(profile, {
    width: numbers.width,
    height: numbers.height,
    numFrames: numbers.numFrames,
    fps: numbers.fps,
    numInferenceSteps: numbers.numInferenceSteps,
    guidanceScale: numbers.guidanceScale,
    seed: numbers.seed,
    mode,
  });
  if (!prompts.ok || !params.ok) return [...(prompts.ok ? [] : prompts.errors), ...(params.ok ? [] : params.errors)];

  const { width, height, numFrames, fps, numInferenceSteps, guidanceScale, seed } = params.params;
  const requested: RequestedParams = { prompt: prompts.prompt, width, height, numFrames, fps, numInferenceSteps, guidanceScale };
  if (seed !== undefined) requested.seed = seed;
  if (prompts.negativePrompt) requested.negativePrompt = prompts.negativePrompt;
  const request: GenerateRequest = { model, mode, priority: priority as Priority, requested };
  if (typeof input.callbackUrl === 'string') request.callbackUrl = input.callbackUrl;
  if (typeof cache === 'boolean') request.cache = cache;
  return request;
}

function readBoolean(value: unknown): boolean | undefined | null {
  if (value == null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return null;
}
