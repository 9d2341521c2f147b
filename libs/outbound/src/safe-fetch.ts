import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { OutboundError } from './errors.js';
import { assertPublicUrl, toAllowList, type CheckedUrl, type UrlGuardOptions } from './url-guard.js';

export interface SafeFetchOptions extends UrlGuardOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Largest response body accepted; a bigger one aborts with `too_large`. Default 10 MiB. */
  maxBytes?: number;
  /** Limit for the whole exchange, redirects included. Default 10 s. */
  timeoutMs?: number;
  /** Redirects followed, each hop checked like the first URL. Default 3; 0 returns the 3xx as it is. */
  maxRedirects?: number;
}

export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: number;
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * An HTTP client for URLs that users supply (webhooks, image URLs): it resolves the host itself, refuses
 * non-public addresses (assertPublicUrl), connects to exactly the address it checked, follows redirects by
 * hand re-checking every hop, and enforces a size and a time limit.
 */
export async function safeFetch(input: string | URL, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRedirects = options.maxRedirects ?? 3;
  const guard: UrlGuardOptions = { ...options, allowList: toAllowList(options.allowList) };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let method = (options.method ?? 'GET').toUpperCase();
  let body = options.body;
  let headers: Record<string, string> = { ...options.headers };
  let current = String(input);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const checked = await withDeadline(assertPublicUrl(current, guard), abort.signal, timeoutMs, current);
      const response = await exchange(checked, method, headers, body, maxBytes, abort.signal, timeoutMs);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.status) || !location || maxRedirects === 0) return { ...response, url: checked.url.href, redirects };
      if (redirects >= maxRedirects) throw new OutboundError('too_many_redirects', `more than ${maxRedirects} redirects`, checked.url.origin);
      const next = new URL(location, checked.url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length']);
      }
      if (next.origin !== checked.url.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
      current = next.href;
    }
  } finally {
    clearTimeout(timer);
  }
}

function exchange(
  checked: CheckedUrl,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  maxBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Omit<SafeResponse, 'url' | 'redirects'>> {
  const { url, address, family } = checked;
  // The connection goes to the address that was checked, whatever a second DNS answer would say.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
        lookup: pinned,
        agent: false,
        signal,
      },
      (response: IncomingMessage) => {
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          response.destroy();
          reject(new OutboundError('too_large', `response of ${declared} bytes exceeds the limit of ${maxBytes}`, url.origin));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxBytes) {
            response.destroy();
            reject(new OutboundError('too_large', `response exceeds the limit of ${maxBytes} bytes`, url.origin));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', (error) => reject(transportError(error, signal, timeoutMs, url)));
      },
    );
    request.on('error', (error) => reject(transportError(error, signal, timeoutMs, url)));
    request.end(payload);
  });
}

function transportError(error: Error, signal: AbortSignal, timeoutMs: number, url: URL): OutboundError {
  if (error instanceof OutboundError) return error;
  if (signal.aborted) return new OutboundError('timeout', `no complete answer within ${timeoutMs} ms`, url.origin);
  return new OutboundError('network', `${(error as { code?: string }).code ?? error.name}: ${error.message}`, url.origin);
}

async function withDeadline<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number, url: string): Promise<T> {
  if (signal.aborted) throw new OutboundError('timeout', `no complete answer within ${timeoutMs} ms`, url);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new OutboundError('timeout', `no complete answer within ${timeoutMs} ms`, url));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}
