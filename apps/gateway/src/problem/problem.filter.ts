import { randomUUID } from 'node:crypto';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemException, type ProblemBody } from './problem.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Turns every error into application/problem+json; unknown errors become a 500 with a logged error id. */
export function toProblem(error: unknown, instance: string): { body: ProblemBody; headers: Record<string, string> } {
  if (error instanceof ProblemException) {
    return { body: { ...(error.getResponse() as ProblemBody), instance }, headers: error.headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
    return { body: problem(status, detail, instance), headers: {} };
  }
  const fastifyError = error as { statusCode?: number; message?: string; code?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { body: problem(fastifyError.statusCode, fastifyError.message, instance), headers: {} };
  }
  const errorId = randomUUID();
  new Logger('ProblemFilter').error({ errorId, err: error }, `unhandled error ${errorId}`);
  return { body: { ...problem(500, `Internal error; quote error id ${errorId}`, instance), errorId }, headers: {} };
}

function problem(status: number, detail: string | undefined, instance: string): ProblemBody {
  const title = TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
  return { type: 'about:blank', title, status, detail, instance };
}

export function sendProblem(reply: FastifyReply, error: unknown, url: string): void {
  const { body, headers } = toProblem(error, url.split('?')[0] ?? url);
  void reply.status(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    sendProblem(context.getResponse<FastifyReply>(), error, context.getRequest<FastifyRequest>().url);
  }
}
