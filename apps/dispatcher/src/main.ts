import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit } from '@app/config';
import { DispatcherModule } from './dispatcher.module.js';

const config = loadConfigOrExit();
const app = await NestFactory.create<NestFastifyApplication>(DispatcherModule.forRoot(config), new FastifyAdapter());
app.enableShutdownHooks();
await app.listen(config.DISPATCHER_PORT, config.HOST);
