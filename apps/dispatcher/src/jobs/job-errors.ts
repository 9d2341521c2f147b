/** The model service refused the input: retrying elsewhere would fail the same way. */
export class PermanentJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** Refused connection, timeout, 5xx, a busy or restarted service: worth another attempt on another service. */
export class TransientJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransientJobError';
  }
}

/** Code of a transient failure after the generation succeeded: the retry fetches the video from the same service. */
export const RESULT_NOT_STORED = 'result_not_stored';

/** The service answered 409: it runs `currentJob`, one job at a time. */
export class ServiceBusyError extends TransientJobError {
  constructor(
    readonly serviceUrl: string,
    readonly currentJob: string | null,
  ) {
    super('busy', `${serviceUrl} is busy with another job${currentJob ? ` (${currentJob})` : ''}`);
    this.name = 'ServiceBusyError';
  }
}

/**
 * Not an attempt: the worker gives the job back to the queue for another service (this one is excluded,
 * unavailable, or the job's generation runs elsewhere). Bull requeues it after a short delay without counting it.
 */
export class HandBackError extends Error {
  constructor(readonly reason: string) {
    super(`handed back: ${reason}`);
    this.name = 'HandBackError';
    this.stack = undefined; // Bull keeps a stack trace per failed attempt; a hand-back is none
  }
}

export class JobCancelledError extends Error {
  constructor() {
    super('cancelled by the client');
    this.name = 'JobCancelledError';
  }
}

/** Errors that say nothing about the service's health, so its circuit breaker ignores them. */
export const isNotTheServicesFault = (error: unknown): boolean =>
  error instanceof PermanentJobError || error instanceof JobCancelledError;
