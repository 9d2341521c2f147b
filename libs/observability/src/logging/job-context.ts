import { AsyncLocalStorage } from 'node:async_hooks';
import { PinoLogger } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface JobLogContext {
  taskId: string;
  requestId?: string;
}

const jobContext = new AsyncLocalStorage<JobLogContext>();
let contextLogger: PinoLogger | undefined;

/** Called once by logging.ts with the application's logger, so job contexts log through it. */
export function useJobContextLogger(logger: PinoLogger): void {
  contextLogger = logger;
}

/**
 * Runs one job's work so that every log line inside carries its taskId and requestId, and every call
 * to a model service (see `requestIdHeaders`) passes the request id on.
 */
export function runInJobContext<T>(context: JobLogContext, work: () => Promise<T>): Promise<T> {
  const bindings = context.requestId ? { requestId: context.requestId, taskId: context.taskId } : { taskId: context.taskId };
  return jobContext.run(context, () => (contextLogger ? contextLogger.runInContext(work, { bindings }) : work()));
}

export function currentJobContext(): JobLogContext | undefined {
  return jobContext.getStore();
}

/**
 * The request id of the job being run, else of the HTTP request being handled (the one pino-http
 * bound to the request's logger), else undefined. Cheap enough for once per submission.
 */
export function currentRequestId(): string | undefined {
  const job = jobContext.getStore();
  if (job) return job.requestId;
  const requestId = contextLogger?.logger.bindings().requestId;
  return typeof requestId === 'string' ? requestId : undefined;
}

/** For an axios request interceptor: adds X-Request-Id of the job being run, if any. */
export function withRequestIdHeader<T extends { headers: { set(name: string, value: string): unknown } }>(config: T): T {
  const requestId = jobContext.getStore()?.requestId;
  if (requestId) config.headers.set(REQUEST_ID_HEADER, requestId);
  return config;
}
