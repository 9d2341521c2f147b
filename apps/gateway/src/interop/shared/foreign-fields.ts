import { ProblemException, validationProblem, type FieldProblem } from '../../problem/problem.js';

/** Native (camelCase) field name → the name a foreign API's client sent. */
export type FieldNames = Readonly<Record<string, string>>;

/** A problem about a native field, told in the foreign API's words. */
export function renameProblem(problem: FieldProblem, names: FieldNames): FieldProblem {
  const foreign = names[problem.field];
  if (!foreign || foreign === problem.field) return problem;
  const pattern = new RegExp(`\\b${problem.field}\\b`, 'g');
  return { ...problem, field: foreign, message: problem.message.replace(pattern, foreign) };
}

/**
 * Runs a native validation (VideoService.parse) for a foreign API: its 422 names the fields as that API's
 * client called them. Anything else passes through unchanged.
 */
export function inForeignTerms<T>(names: FieldNames, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ProblemException) || error.getStatus() !== 422) throw error;
    const errors = (error.getResponse() as { errors?: FieldProblem[] }).errors;
    if (!errors) throw error;
    throw validationProblem(errors.map((problem) => renameProblem(problem, names)));
  }
}

/** A JSON number, or a form field's text that reads as one; undefined when absent; NaN marks a wrong type. */
export function numberField(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  return Number.NaN;
}

export function unknownFieldProblems(input: Record<string, unknown>, known: ReadonlySet<string>): FieldProblem[] {
  return Object.keys(input)
    .filter((field) => !known.has(field))
    .map((field) => ({ field, message: 'is not a known field', allowed: [...known].join(', ') }));
}
