import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token (no spaces, quotes or newlines, at most 128 chars); else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Fastify server options: every request gets `request.id` from X-Request-Id or a fresh UUID. pino-http
 * (through @fastify/middie, which copies the id onto the raw request) logs the same id.
 */
export const requestIdServerOptions = {
  requestIdHeader: false as const,
  genReqId: (request: { headers: Record<string, string | string[] | undefined> }): string => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
};

const SECRET_QUERY = /([?&](?:token|access_token|sig|signature|key|X-Amz-[A-Za-z-]+)=)[^&#]*/gi;

/** A URL fit for a log line: secrets in query parameters (signed links, tokens) are masked. */
export function loggableUrl(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url;
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}
