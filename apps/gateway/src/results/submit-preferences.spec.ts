import type { TaskRecord } from '@app/contracts';
import { isCacheable, requestKeyFor, stableJson, submitPreferences } from './submit-preferences.js';

const task = (overrides: Partial<TaskRecord> = {}, requested: Partial<TaskRecord['requested']> = {}): TaskRecord => ({
  taskId: 't-00000001',
  owner: 'alice',
  model: 'easyanimate-v5.1-12b',
  mode: 't2v',
  priority: 'normal',
  status: 'PENDING',
  progress: 0,
  createTime: '2026-01-01T00:00:00.000Z',
  updateTime: '2026-01-01T00:00:00.000Z',
  requested: { prompt: 'a fox', width: 256, height: 256, numFrames: 9, fps: 8, numInferenceSteps: 4, guidanceScale: 5, seed: 7, ...requested },
  adjustments: [],
  attempts: 0,
  cancelRequested: false,
  ...overrides,
});

describe('submitPreferences', () => {
  it('reads Idempotency-Key and the no-cache directives', () => {
    expect(submitPreferences({})).toEqual({});
    expect(submitPreferences({ 'idempotency-key': 'k-1', 'cache-control': 'no-cache' })).toEqual({ idempotencyKey: 'k-1', noCache: true });
    expect(submitPreferences({ 'cache-control': 'max-age=0, no-store' })).toEqual({ noCache: true });
    expect(submitPreferences({ 'cache-control': 'max-age=60' })).toEqual({});
  });
});

describe('requestKeyFor', () => {
  it('is the same for the same request whoever asks, unless the cache is per owner', () => {
    expect(requestKeyFor(task(), undefined, 'global')).toBe(requestKeyFor(task({ owner: 'bob', taskId: 'other-001', priority: 'high' }), undefined, 'global'));
    expect(requestKeyFor(task(), undefined, 'owner')).not.toBe(requestKeyFor(task({ owner: 'bob' }), undefined, 'owner'));
  });

  it('differs with any generation parameter, the input image or the backend options', () => {
    const key = requestKeyFor(task(), undefined, 'global');
    expect(requestKeyFor(task({}, { seed: 8 }), undefined, 'global')).not.toBe(key);
    expect(requestKeyFor(task({}, { negativePrompt: 'blur' }), undefined, 'global')).not.toBe(key);
    expect(requestKeyFor(task({}, { guidanceScale: 6 }), undefined, 'global')).not.toBe(key);
    expect(requestKeyFor(task({ imageDigest: 'ab'.repeat(32), mode: 'i2v' }), undefined, 'global')).not.toBe(key);
    expect(requestKeyFor(task(), { motion_score: 5 }, 'global')).not.toBe(key);
    expect(requestKeyFor(task(), { a: 1, b: 2 }, 'global')).toBe(requestKeyFor(task(), { b: 2, a: 1 }, 'global'));
    expect(requestKeyFor(task(), {}, 'global')).toBe(key);
  });
});

describe('isCacheable', () => {
  const on = { RESULT_CACHE_ENABLED: true, RESULT_CACHE_SEEDLESS: false };
  it('caches seeded requests only, unless seedless caching is switched on', () => {
    expect(isCacheable(task(), on)).toBe(true);
    expect(isCacheable(task({}, { seed: undefined }), on)).toBe(false);
    expect(isCacheable(task({}, { seed: undefined }), { ...on, RESULT_CACHE_SEEDLESS: true })).toBe(true);
    expect(isCacheable(task(), { ...on, RESULT_CACHE_ENABLED: false })).toBe(false);
  });
});

describe('stableJson', () => {
  it('sorts object keys at every depth and drops undefined members', () => {
    expect(stableJson({ b: [{ d: 1, c: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[{"c":2,"d":1}]}');
  });
});
