import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { loadConfigOrExit } from '@app/config';
import { installGracefulShutdown, installHttpObservability, requestIdServerOptions, useJsonLogger } from '@app/observability';
import { installQueueBoard } from './admin/queue-board.js';
import { AppModule } from './app.module.js';
import { applyHardening } from './guards/hardening/hardening.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';
import { sendProblem } from './problem/problem.filter.js';

const config = loadConfigOrExit();
const resultsDir = join(config.DATA_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });

const adapter = new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY, ...requestIdServerOptions });
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
  bufferLogs: true,
  bodyParser: false, // Fastify's own JSON parser; Nest's wrapper rebuilt a parser on every request
});
useJsonLogger(app); // JSON lines through pino (nestjs-pino), request id on every line of a request
installHttpObservability(app.getHttpAdapter().getInstance()); // X-Request-Id echo, http_request_duration_seconds
await applyHardening(app); // helmet, JSON-only bodies (415), 405 with Allow; before any route is registered
const fastify = app.getHttpAdapter().getInstance();
// Errors Fastify raises before Nest sees the request (bad JSON, body too large) get problem+json too.
fastify.setErrorHandler((error, request, reply) => sendProblem(reply, error, request.url));
await app.register(fastifyStatic, { root: resultsDir, serve: false });
// multipart/form-data for image uploads; each route reads its parts with its own file-size limit.
await app.register(fastifyMultipart, { limits: { fileSize: config.IMAGE_MAX_BYTES, files: 1, fields: 64, fieldSize: 64 * 1024, parts: 80 } });

const document = buildOpenApiDocument(app, { version: process.env.npm_package_version ?? '0.1.0', serverUrl: config.PUBLIC_BASE_URL });
SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

await installQueueBoard(app, config); // bull-board at /admin/queues, video:admin only
// SIGTERM: readiness DOWN, then stop taking requests and let in-flight ones finish, then close Redis.
installGracefulShutdown(app, { drainMs: config.SHUTDOWN_DRAIN_MS, graceMs: config.SHUTDOWN_GRACE_MS });
await app.listen(config.PORT, config.HOST);
