import type { FieldError, ModelLimits } from '../types.js';
import type { BannedTermMatcher } from './banned-terms.js';
import { codePointLength, foldForMatching, normalizePrompt } from './normalize.js';

export interface PromptFieldsInput {
  prompt?: string;
  negativePrompt?: string;
}

export type PromptLimits = Pick<ModelLimits, 'promptLength' | 'negativePromptLength'>;

export interface PromptCheckOptions {
  /** Also screen the negative prompt for banned terms (default true: both fields reach the model). */
  screenNegativePrompt?: boolean;
}

export type PromptCheck =
  | { ok: true; prompt: string; negativePrompt: string }
  | { ok: false; errors: FieldError[] };

/**
 * Normalises both prompt fields, then checks their lengths (in code points, after normalisation) and, with a
 * matcher, banned terms. Messages name the field and never repeat the term that matched.
 */
export function checkPromptFields(
  input: PromptFieldsInput,
  limits: PromptLimits,
  matcher?: BannedTermMatcher,
  options: PromptCheckOptions = {},
): PromptCheck {
  const errors: FieldError[] = [];
  const prompt = checkField('prompt', input.prompt, limits.promptLength, matcher, errors);
  const negativePrompt = checkField(
    'negativePrompt',
    input.negativePrompt,
    limits.negativePromptLength,
    options.screenNegativePrompt === false ? undefined : matcher,
    errors,
  );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, prompt, negativePrompt };
}

function checkField(
  field: 'prompt' | 'negativePrompt',
  raw: unknown,
  range: { min: number; max: number },
  matcher: BannedTermMatcher | undefined,
  errors: FieldError[],
): string {
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    errors.push({ field, message: `${field} must be a string` });
    return '';
  }
  const text = typeof raw === 'string' ? normalizePrompt(raw) : '';
  const length = codePointLength(text);
  if (length < range.min || length > range.max) {
    const message =
      range.min > 0 && length === 0
        ? `${field} is required and must not be blank`
        : `${field} must be between ${range.min} and ${range.max} characters after normalisation (got ${length})`;
    errors.push({ field, message, allowed: `${range.min}..${range.max} characters` });
    return text;
  }
  if (matcher && length > 0 && matcher.firstMatch(foldForMatching(text)) >= 0) {
    errors.push({ field, message: `${field} contains a term that is not allowed` });
  }
  return text;
}
