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

export class JobCancelledError extends Error {
  constructor() {
    super('cancelled by the client');
    this.name = 'JobCancelledError';
  }
}

/** Errors that say nothing about the service's health, so its circuit breaker ignores them. */
export const isNotTheServicesFault = (error: unknown): boolean =>
  error instanceof PermanentJobError || error instanceof JobCancelledError;
