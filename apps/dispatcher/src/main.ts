import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit } from '@app/config';
import { installGracefulShutdown, installHttpObservability, requestIdServerOptions, useJsonLogger } from '@app/observability';
import { DispatcherModule } from './dispatcher.module.js';

const config = loadConfigOrExit();
const app = await NestFactory.create<NestFastifyApplication>(DispatcherModule.forRoot(config), new FastifyAdapter(requestIdServerOptions), { bufferLogs: true });
useJsonLogger(app);
installHttpObservability(app.getHttpAdapter().getInstance());
// SIGTERM: readiness DOWN, workers take no new job, a running one gets SHUTDOWN_GRACE_MS to finish or is handed back, Redis closes.
installGracefulShutdown(app, { drainMs: config.SHUTDOWN_DRAIN_MS, graceMs: config.SHUTDOWN_GRACE_MS });
await app.listen(config.DISPATCHER_PORT, config.HOST);
