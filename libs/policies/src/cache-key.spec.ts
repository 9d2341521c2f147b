import { canonicalRequestKey, type CacheKeyInput } from './cache-key.js';

const base: CacheKeyInput = {
  model: 'easyanimate-v5.1-12b',
  mode: 't2v',
  prompt: 'a cat on a mat',
  negativePrompt: '',
  width: 1008,
  height: 576,
  numFrames: 49,
  fps: 8,
  numInferenceSteps: 50,
  guidanceScale: 5,
  seed: 42,
};

describe('canonicalRequestKey', () => {
  it('is a hex SHA-256 and the same for the same request', () => {
    const key = canonicalRequestKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalRequestKey({ ...base })).toBe(key);
  });

  it('does not depend on property order or on how a number was written', () => {
    const reordered: CacheKeyInput = {
      seed: 42,
      guidanceScale: 5.0,
      numInferenceSteps: 50,
      fps: 8,
      numFrames: 49,
      height: 576,
      width: 1008,
      negativePrompt: '',
      prompt: 'a cat on a mat',
      mode: 't2v',
      model: 'easyanimate-v5.1-12b',
    };
    expect(canonicalRequestKey(reordered)).toBe(canonicalRequestKey(base));
    expect(canonicalRequestKey({ ...base, seed: 0 })).toBe(canonicalRequestKey({ ...base, seed: -0 }));
  });

  it.each<[string, Partial<CacheKeyInput>]>([
    ['model', { model: 'easyanimate-v5.1-7b' }],
    ['mode', { mode: 'i2v' }],
    ['prompt', { prompt: 'a cat on a hat' }],
    ['negativePrompt', { negativePrompt: 'blurry' }],
    ['width', { width: 576 }],
    ['height', { height: 1008 }],
    ['numFrames', { numFrames: 25 }],
    ['fps', { fps: 16 }],
    ['numInferenceSteps', { numInferenceSteps: 49 }],
    ['guidanceScale', { guidanceScale: 5.000001 }],
    ['seed', { seed: 43 }],
    ['seed absent', { seed: undefined }],
    ['imageDigest', { imageDigest: 'sha256:abc' }],
    ['text moved between prompt and negative prompt', { prompt: 'a cat on a', negativePrompt: 'mat' }],
    ['a separator-like prompt', { prompt: 'a cat on a mat","' }],
  ])('changes when %s changes', (_, change) => {
    expect(canonicalRequestKey({ ...base, ...change })).not.toBe(canonicalRequestKey(base));
  });

  it('tells width and height apart when swapped', () => {
    expect(canonicalRequestKey({ ...base, width: 576, height: 1008 })).not.toBe(canonicalRequestKey(base));
  });

  it('rejects numbers that have no canonical form', () => {
    expect(() => canonicalRequestKey({ ...base, guidanceScale: Number.NaN })).toThrow(/guidanceScale/);
    expect(() => canonicalRequestKey({ ...base, width: Infinity })).toThrow(/width/);
  });
});
