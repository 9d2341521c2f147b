import type { IncomingHttpHeaders } from 'node:http';
import { hash } from 'node:crypto';
import type { AppConfig } from '@app/config';
import { canonicalRequestKey } from '@app/policies';
import type { TaskRecord } from '@app/contracts';

/** What a submit asks of the result layer besides its body fields (`cache`, `callbackUrl`). */
export interface SubmitPreferences {
  /** The Idempotency-Key header. */
  idempotencyKey?: string;
  /** `Cache-Control: no-cache` (or no-store): neither answered from the cache nor coalesced. */
  noCache?: boolean;
}

export function submitPreferences(headers: IncomingHttpHeaders): SubmitPreferences {
  const key = headers['idempotency-key'];
  const cacheControl = String(headers['cache-control'] ?? '').toLowerCase();
  return {
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    ...(/(^|[\s,])no-(cache|store)\b/.test(cacheControl) ? { noCache: true } : {}),
  };
}

/**
 * The request's identity for the cache and for coalescing: canonicalRequestKey of the normalised request,
 * with backend options folded in, and the owner when RESULT_CACHE_SCOPE=owner.
 */
export function requestKeyFor(task: TaskRecord, extra: Record<string, unknown> | undefined, scope: AppConfig['RESULT_CACHE_SCOPE']): string {
  const { requested } = task;
  let key = canonicalRequestKey({
    model: task.model,
    mode: task.mode,
    prompt: requested.prompt,
    negativePrompt: requested.negativePrompt ?? '',
    width: requested.width,
    height: requested.height,
    numFrames: requested.numFrames,
    fps: requested.fps,
    numInferenceSteps: requested.numInferenceSteps,
    guidanceScale: requested.guidanceScale,
    seed: requested.seed,
    imageDigest: task.imageDigest,
  });
  if (extra && Object.keys(extra).length > 0) key = digest(`${key}|${stableJson(extra)}`);
  return scope === 'owner' ? digest(`${task.owner}|${key}`) : key;
}

/**
 * Seedless requests are not answered from the cache (unless RESULT_CACHE_SEEDLESS): a client that gives no
 * seed expects a new random video each time. They are still coalesced while identical ones run together.
 */
export function isCacheable(task: TaskRecord, config: Pick<AppConfig, 'RESULT_CACHE_ENABLED' | 'RESULT_CACHE_SEEDLESS'>): boolean {
  return config.RESULT_CACHE_ENABLED && (task.requested.seed !== undefined || config.RESULT_CACHE_SEEDLESS);
}

export const digest = (text: string): string => hash('sha256', text, 'hex');

/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
