import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemException } from '../../problem/problem.js';
import { RouteMethods } from './route-methods.js';

/**
 * Call right after NestFactory.create (before any route is registered):
 * - security headers (@fastify/helmet) with a CSP that still lets Swagger UI at /docs run (its scripts are
 *   served from here; it uses inline styles and data: images);
 * - only JSON bodies (and what plugins such as multipart add): the text/plain parser goes, so any other
 *   content type is 415 before a handler runs;
 * - 405 with Allow for a known path asked with another method (Fastify answers 404).
 * Body size (BODY_LIMIT_BYTES → 413) and trust-proxy are FastifyAdapter options set in main.ts; every error
 * Fastify raises goes through main.ts' error handler and becomes problem+json.
 */
export async function applyHardening(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
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
  fastify.removeContentTypeParser('text/plain');
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
