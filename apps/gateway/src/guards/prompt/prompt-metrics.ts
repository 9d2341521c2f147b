import { promptsRejected } from '@app/observability';
import type { FieldProblem } from '../../problem/problem.js';
import { promptRejections } from './prompt-rejections.js';

/** Counts the prompt fields of a refused submit in `videogw_prompts_rejected_total{field,reason}`. */
export function countPromptRejections(problems: readonly FieldProblem[]): void {
  for (const { field, reason } of promptRejections(problems)) promptsRejected.labels(field, reason).inc();
}
