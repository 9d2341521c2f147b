import type { BannedTermMatcher } from './prompt/banned-terms.js';
import { checkPromptFields, type PromptCheckOptions } from './prompt/check.js';
import type { FieldError, GenerationMode, GenerationParams, ModelProfile } from './types.js';
import { validateGenerationRequest, type GenerationRequestInput } from './validation.js';

export type VideoRequestValidation =
  | { ok: true; mode: GenerationMode; params: GenerationParams; prompt: string; negativePrompt: string }
  | { ok: false; errors: FieldError[] };

/** validateGenerationRequest and checkPromptFields together, with every error from both. */
export function validateVideoRequest(
  profile: ModelProfile,
  input: GenerationRequestInput,
  matcher?: BannedTermMatcher,
  options?: PromptCheckOptions,
): VideoRequestValidation {
  const prompts = checkPromptFields(input, profile.limits, matcher, options);
  const generation = validateGenerationRequest(profile, input);
  if (prompts.ok && generation.ok) {
    return { ok: true, mode: generation.mode, params: generation.params, prompt: prompts.prompt, negativePrompt: prompts.negativePrompt };
  }
  return { ok: false, errors: [...(prompts.ok ? [] : prompts.errors), ...(generation.ok ? [] : generation.errors)] };
}
