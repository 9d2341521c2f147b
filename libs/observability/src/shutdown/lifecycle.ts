import { Logger, type INestApplication } from '@nestjs/common';

let draining = false;

/** True from SIGTERM on: readiness answers DOWN while in-flight work finishes. */
export const isDraining = (): boolean => draining;

/** For tests and for an app that drains for another reason. */
export function setDraining(value: boolean): void {
  draining = value;
}

export interface GracefulShutdownOptions {
  /** How long readiness reports DOWN before the server stops taking requests (SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /** How long in-flight requests and running jobs get (SHUTDOWN_GRACE_MS); the process exits at the latest this long after closing starts, plus 5 s. */
  graceMs: number;
  signals?: NodeJS.Signals[];
}

/**
 * Replaces Nest's enableShutdownHooks: on SIGTERM (or SIGINT) readiness goes DOWN first, then after
 * `drainMs` the app closes (Fastify stops accepting connections and lets in-flight requests finish,
 * the dispatcher hands its running jobs back, Redis connections close), then the process exits.
 * A second signal, or a close that hangs past the grace period, exits at once.
 */
export function installGracefulShutdown(app: INestApplication, { drainMs, graceMs, signals = ['SIGTERM', 'SIGINT'] }: GracefulShutdownOptions): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    draining = true;
    logger.log({ signal, drainMs, graceMs }, 'draining: readiness is DOWN');
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish within the grace period; exiting');
      process.exit(1);
    }, drainMs + graceMs + 5_000);
    deadline.unref();
    // server.close() drops the connections idle at that moment; ones busy then turn idle later and would
    // hold the close open until their keep-alive timeout, so keep dropping them while shutting down.
    const server = app.getHttpServer() as { closeIdleConnections?: () => void } | undefined;
    const sweeper = setInterval(() => server?.closeIdleConnections?.(), 100);
    sweeper.unref();
    void new Promise((resolve) => setTimeout(resolve, drainMs))
      .then(() => app.close())
      .then(
        () => {
          logger.log('shutdown complete');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  for (const signal of signals) process.on(signal, onSignal);
}
