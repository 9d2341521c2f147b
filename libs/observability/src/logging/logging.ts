import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { LoggerModule, Logger as NestPinoLogger, PinoLogger, type Params } from 'nestjs-pino';
import { pino, type DestinationStream, type LevelWithSilent } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '@app/config';
import { useJobContextLogger } from './job-context.js';
import { loggableUrl } from './request-id.js';

export interface LoggingSettings {
  app: string;
  level: LevelWithSilent;
  logPrompts: boolean;
}

// Exact paths only: wildcard paths make fast-redact walk every object logged (measured: twice the cost
// of a request's logging). Our own lines carry these keys at the top level, if at all; requests are
// serialized without headers.
const SECRET_PATHS = ['authorization', 'token', 'accessToken', 'secret', 'password', 'imageBase64', 'image_base64', 'req.headers.authorization', 'req.headers.cookie'];
const PROMPT_PATHS = ['prompt', 'negativePrompt', 'negative_prompt'];

/** Health probes and scrapes come every few seconds: they get no access log line. */
const isProbe = (url: string | undefined): boolean =>
  url !== undefined && (url.startsWith('/health') || url.startsWith('/actuator') || url.startsWith('/metrics'));

type Request = IncomingMessage & { id?: unknown; originalUrl?: string };

/**
 * One JSON line per event: ISO time, level name, app, requestId on every line of a request (and
 * taskId on every line of a job, see job-context.ts). Secrets are redacted; prompts too unless
 * LOG_PROMPTS=true. The access line of a request (never a body) is written at `error` for 5xx, `info`
 * for 4xx and `debug` otherwise: status polls are the hottest path, and metrics count every request,
 * so successful requests are logged only with LOG_LEVEL=debug. Probes get no access line.
 */
export function pinoHttpOptions({ app, level, logPrompts }: LoggingSettings): Options<Request, ServerResponse> {
  const line = (req: Request, res: ServerResponse, responseTime: unknown) => ({
    method: req.method,
    url: loggableUrl(req.originalUrl ?? req.url),
    statusCode: res.statusCode,
    responseTime,
  });
  return {
    level,
    base: { app, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: logPrompts ? SECRET_PATHS : [...SECRET_PATHS, ...PROMPT_PATHS], censor: '[REDACTED]' },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => isProbe(req.originalUrl ?? req.url) },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, value) => line(req, res, (value as { responseTime?: unknown }).responseTime),
    customErrorObject: (req, res, error, value) => ({ ...line(req, res, (value as { responseTime?: unknown }).responseTime), err: error }),
  };
}

/**
 * nestjs-pino for an app. Lines go to stdout through an asynchronous destination (no blocking
 * write per line); pino flushes it when the process exits.
 */
export function loggingModule(config: AppConfig, app: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): DynamicModule {
  const options = pinoHttpOptions({ app, level: config.LOG_LEVEL, logPrompts: config.LOG_PROMPTS });
  // nestjs-pino's default route pattern ({/*splat}) matches nothing under Nest 12 + Fastify: name every route.
  const params: Params = { pinoHttp: [options as Options, destination], forRoutes: ['{*splat}'] };
  useJobContextLogger(new PinoLogger(params));
  return LoggerModule.forRoot(params);
}

/** Routes Nest's own Logger (every `new Logger(Context)`) through pino. Call right after NestFactory.create. */
export function useJsonLogger(app: INestApplication): void {
  app.useLogger(app.get(NestPinoLogger));
}
