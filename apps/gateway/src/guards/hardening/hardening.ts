import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemException } from '../../problem/problem.js';
import { RouteMethods } from './route-methods.js';
import { staticSecurityHeaders } from './security-headers.js';

/**
 * Call right after NestFactory.create (before any route is registered):
 * - security headers (helmet's, computed once) with a CSP that still lets Swagger UI at /docs run (its scripts are
 *   served from here; it uses inline styles and data: images);
 * - only JSON and multipart bodies: any other declared content type (text/plain, the form encoding Nest
 *   parses by default...) is 415 before the body is read, and multipart without a boundary is 400;
 * - 405 with Allow for a known path asked with another method (Fastify answers 404).
 * Body size (BODY_LIMIT_BYTES → 413) and trust-proxy are FastifyAdapter options set in main.ts; every error
 * Fastify raises goes through main.ts' error handler and becomes problem+json.
 */
export async function applyHardening(app: NestFastifyApplication): Promise<void> {
  const securityHeaders = staticSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Not upgrade-insecure-requests: /docs must work over plain http on a developer's machine.
        upgradeInsecureRequests: null,
      },
    },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type'];
    if (type === undefined || type === 'application/json') return done(); // the common cases, without parsing the header
    if (isMultipartWithoutBoundary(type)) {
      return done(new ProblemException(400, 'malformed-multipart', 'Bad Request', 'multipart/form-data needs a boundary parameter'));
    }
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (!hasBody || isAcceptedBodyType(type)) return done();
    done(new ProblemException(415, 'unsupported-media-type', 'Unsupported Media Type', 'send application/json (or multipart/form-data where a file is uploaded)'));
  });
  const routes = new RouteMethods();
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url ?? route.path));
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!request.is404) return done();
    const allowed = routes.allowedFor(request.url.split('?')[0] ?? request.url);
    if (allowed.length === 0) return done();
    done(
      new ProblemException(405, 'method-not-allowed', 'Method Not Allowed', `${request.method} is not allowed here; use ${allowed.join(', ')}`, {}, {
        Allow: allowed.join(', '),
      }),
    );
  });
}

/** application/json, any +json type, and multipart/form-data (uploads). */
export function isAcceptedBodyType(contentType: string): boolean {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || type === 'multipart/form-data' || (type.startsWith('application/') && type.endsWith('+json'));
}

export function isMultipartWithoutBoundary(contentType: string): boolean {
  const [type = '', ...parameters] = contentType.split(';');
  return type.trim().toLowerCase() === 'multipart/form-data' && !parameters.some((parameter) => /^\s*boundary=\S/i.test(parameter));
}
