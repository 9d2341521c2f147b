import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../problem/problem.filter.js';
import type { ProblemBody } from '../../problem/problem.js';

/** OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`. */
export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const CODES: Record<string, string> = {
  validation: 'invalid_value',
  'not-found': 'not_found',
  'not-ready': 'video_not_ready',
  'rate-limited': 'rate_limit_exceeded',
};

/**
 * The same failures as everywhere else (toProblem decides status and detail; unknown errors are logged with
 * an id), written the way OpenAI clients parse them. Validation is 400 here, as OpenAI answers it.
 */
export function toOpenAiError(problem: ProblemBody): { status: number; body: OpenAiError } {
  const slug = problem.type.startsWith('http') ? problem.type.slice(problem.type.lastIndexOf('/') + 1) : undefined;
  const status = problem.status === 422 ? 400 : problem.status;
  const type =
    status === 401 ? 'invalid_request_error'
    : status === 403 ? 'permission_error'
    : status === 429 ? 'rate_limit_error'
    : status >= 500 ? 'server_error'
    : 'invalid_request_error';
  const code = status === 401 ? 'invalid_api_key' : slug ? (CODES[slug] ?? slug.replace(/-/g, '_')) : null;
  const message = problem.errors?.length ? problem.errors.map((error) => `${error.field}: ${error.message}`).join('; ') : (problem.detail ?? problem.title);
  return { status, body: { error: { message, type, param: problem.errors?.[0]?.field ?? null, code } } };
}

@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendOpenAiError(http.getResponse<FastifyReply>(), error, http.getRequest<FastifyRequest>().url);
  }
}

export function sendOpenAiError(reply: FastifyReply, error: unknown, url: string): void {
  const { body, headers } = toProblem(error, url.split('?')[0] ?? url);
  const answer = toOpenAiError(body);
  void reply.status(answer.status).headers(headers).type('application/json').send(answer.body);
}
