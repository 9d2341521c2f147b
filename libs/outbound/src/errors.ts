/** Why an outbound request was not made or did not finish. */
export type OutboundErrorCode =
  | 'invalid_url'
  | 'scheme'
  | 'credentials'
  | 'forbidden_address'
  | 'unresolvable'
  | 'too_many_redirects'
  | 'too_large'
  | 'timeout'
  | 'network';

const REFUSALS: ReadonlySet<OutboundErrorCode> = new Set(['invalid_url', 'scheme', 'credentials', 'forbidden_address', 'unresolvable']);

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    readonly url?: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }

  /** The URL itself is not acceptable (as opposed to a failure while talking to an acceptable one). */
  get refused(): boolean {
    return REFUSALS.has(this.code);
  }
}
