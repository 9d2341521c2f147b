import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from '../logging/request-id.js';
import { httpRequestDuration } from './definitions.js';

/**
 * Two Fastify hooks for every request: the request id goes back in X-Request-Id, and the duration is
 * observed by method, route pattern (never the raw URL: `/api/video/status/:taskId`, `unmatched` for
 * 404s) and status code. Call right after NestFactory.create, before routes are registered.
 */
export function installHttpObservability(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    done();
  });
}
