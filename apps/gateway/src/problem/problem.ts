import { HttpException } from '@nestjs/common';

export interface FieldProblem {
  field: string;
  message: string;
  allowed?: string;
}

/** RFC 9457 problem details; `errors` names each offending field and what it accepts. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://video-gateway.dev/problems/';

export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly slug: string,
    title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super({ type: PROBLEM_BASE + slug, title, status, detail, ...extensions } satisfies ProblemBody, status);
  }
}

export const validationProblem = (errors: FieldProblem[]): ProblemException =>
  new ProblemException(
    422,
    'validation',
    'Request parameters are not valid',
    errors.map((error) => `${error.field}: ${error.message}`).join('; '),
    { errors },
  );

export const notFoundProblem = (what: string): ProblemException =>
  new ProblemException(404, 'not-found', 'Not Found', `${what} was not found`);
