import type { FieldProblem } from '../../problem/problem.js';

export type PromptRejectionReason = 'banned_term' | 'length' | 'type';
const PROMPT_FIELDS: ReadonlySet<string> = new Set(['prompt', 'negativePrompt']);

/**
 * The prompt-field problems of a refused submit, classified for the `videogw_prompts_rejected_total`
 * counter. Reads the messages of checkPromptFields (libs/policies); its spec pins them.
 */
export function promptRejections(problems: readonly FieldProblem[]): Array<{ field: string; reason: PromptRejectionReason }> {
  return problems
    .filter((problem) => PROMPT_FIELDS.has(problem.field))
    .map((problem) => ({
      field: problem.field,
      reason: /term that is not allowed/.test(problem.message) ? 'banned_term' : /must be a string/.test(problem.message) ? 'type' : 'length',
    }));
}
