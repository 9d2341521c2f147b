import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { pinoHttpOptions } from './logging.js';

function capture(logPrompts: boolean) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const { level, base, timestamp, formatters, redact, serializers } = pinoHttpOptions({ app: 'test', level: 'info', logPrompts });
  return { logger: pino({ level, base, timestamp, formatters, redact, serializers }, sink), lines };
}

describe('pinoHttpOptions', () => {
  it('writes JSON lines with an ISO time, the level name and the app', () => {
    const { logger, lines } = capture(false);
    logger.info({ taskId: 't-1' }, 'task queued');
    expect(lines[0]).toMatchObject({ level: 'info', app: 'test', taskId: 't-1', msg: 'task queued' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secrets always and prompts unless LOG_PROMPTS=true', () => {
    const quiet = capture(false);
    quiet.logger.info({ prompt: 'a fox', negativePrompt: 'blur', token: 'eyJ...', authorization: 'Bearer x' }, 'line');
    expect(quiet.lines[0]).toMatchObject({ prompt: '[REDACTED]', negativePrompt: '[REDACTED]', token: '[REDACTED]', authorization: '[REDACTED]' });
    const verbose = capture(true);
    verbose.logger.info({ prompt: 'a fox', token: 'eyJ...' }, 'line');
    expect(verbose.lines[0]).toMatchObject({ prompt: 'a fox', token: '[REDACTED]' });
  });

  it('logs 5xx as errors, 4xx at info and successes at debug; probes not at all', () => {
    const options = pinoHttpOptions({ app: 'test', level: 'info', logPrompts: false });
    const level = (status: number, error?: Error) =>
      (options.customLogLevel as (req: IncomingMessage, res: ServerResponse, error?: Error) => string)({} as IncomingMessage, { statusCode: status } as ServerResponse, error);
    expect([level(200), level(304), level(404), level(429), level(500), level(200, new Error('x'))]).toEqual(['debug', 'debug', 'info', 'info', 'error', 'error']);
    const ignore = (options.autoLogging as { ignore: (req: IncomingMessage) => boolean }).ignore;
    expect(['/health', '/health/ready', '/actuator/health/readiness', '/metrics', '/api/video/generate'].map((url) => ignore({ url } as IncomingMessage))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});
