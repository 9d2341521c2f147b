import { EASYANIMATE_V51_12B, OPENSORA_2_0, WAN21_I2V_14B_720P, WAN21_T2V_14B, WAN21_T2V_1_3B } from './profiles/index.js';
import type { FieldError } from './types.js';
import { validateGenerationRequest, type GenerationRequestInput } from './validation.js';

function errorsOf(result: ReturnType<typeof validateGenerationRequest>): FieldError[] {
  return result.ok ? [] : result.errors;
}

describe('validateGenerationRequest', () => {
  it('fills every missing field from the profile defaults', () => {
    expect(validateGenerationRequest(EASYANIMATE_V51_12B, {})).toEqual({
      ok: true,
      mode: 't2v',
      params: { width: 512, height: 512, numFrames: 25, fps: 8, numInferenceSteps: 50, guidanceScale: 5 },
    });
    expect(validateGenerationRequest(WAN21_I2V_14B_720P, {})).toEqual({
      ok: true,
      mode: 'i2v',
      params: { width: 1280, height: 720, numFrames: 81, fps: 16, numInferenceSteps: 40, guidanceScale: 5 },
    });
  });

  it('keeps given values, treats null as absent and keeps a seed', () => {
    const input = { width: 1008, height: 576, numFrames: 49, guidanceScale: 7.5, seed: 0xffff_ffff, numInferenceSteps: null };
    expect(validateGenerationRequest(EASYANIMATE_V51_12B, input as unknown as GenerationRequestInput)).toEqual({
      ok: true,
      mode: 't2v',
      params: { width: 1008, height: 576, numFrames: 49, fps: 8, numInferenceSteps: 50, guidanceScale: 7.5, seed: 0xffff_ffff },
    });
  });

  it.each<[string, GenerationRequestInput, FieldError]>([
    ['width not a multiple of 16', { width: 1000 }, { field: 'width', message: 'width must be a multiple of 16 between 256 and 1344', allowed: '256..1344, multiple of 16' }],
    ['width too small', { width: 240 }, expect.objectContaining({ field: 'width' })],
    ['height too large', { height: 1360 }, { field: 'height', message: 'height must be a multiple of 16 between 256 and 1344', allowed: '256..1344, multiple of 16' }],
    ['fractional width', { width: 512.5 }, expect.objectContaining({ field: 'width' })],
    ['width as a string', { width: '512' as unknown as number }, expect.objectContaining({ field: 'width' })],
    ['0 frames', { numFrames: 0 }, { field: 'numFrames', message: 'numFrames must be an integer between 1 and 49', allowed: '1..49' }],
    ['50 frames', { numFrames: 50 }, expect.objectContaining({ field: 'numFrames' })],
    ['fractional frames', { numFrames: 24.5 }, expect.objectContaining({ field: 'numFrames' })],
    ['another fps', { fps: 24 }, { field: 'fps', message: 'fps must be 8', allowed: '8' }],
    ['0 steps', { numInferenceSteps: 0 }, { field: 'numInferenceSteps', message: 'numInferenceSteps must be an integer between 1 and 100', allowed: '1..100' }],
    ['fractional steps', { numInferenceSteps: 20.5 }, expect.objectContaining({ field: 'numInferenceSteps' })],
    ['guidance too high', { guidanceScale: 21 }, { field: 'guidanceScale', message: 'guidanceScale must be a number between 1 and 20', allowed: '1..20' }],
    ['guidance NaN', { guidanceScale: Number.NaN }, expect.objectContaining({ field: 'guidanceScale' })],
    ['negative seed', { seed: -1 }, { field: 'seed', message: 'seed must be an integer between 0 and 4294967295', allowed: '0..4294967295' }],
    ['seed above 2^32-1', { seed: 2 ** 32 }, expect.objectContaining({ field: 'seed' })],
    ['fractional seed', { seed: 1.5 }, expect.objectContaining({ field: 'seed' })],
    ['unknown mode', { mode: 'v2v' as 't2v' }, { field: 'mode', message: 'mode must be one of t2v, i2v for easyanimate-v5.1-12b', allowed: 't2v, i2v' }],
  ])('rejects %s for EasyAnimate, naming the field and what is allowed', (_, input, error) => {
    expect(errorsOf(validateGenerationRequest(EASYANIMATE_V51_12B, input))).toEqual([error]);
  });

  it('reports every bad field at once', () => {
    const errors = errorsOf(validateGenerationRequest(EASYANIMATE_V51_12B, { width: 1, height: 2, numFrames: 99, seed: -5 }));
    expect(errors.map((e) => e.field)).toEqual(['width', 'height', 'numFrames', 'seed']);
  });

  it('accepts only the discrete Wan sizes and lists them', () => {
    expect(validateGenerationRequest(WAN21_T2V_14B, { width: 480, height: 832 }).ok).toBe(true);
    expect(errorsOf(validateGenerationRequest(WAN21_T2V_14B, { width: 1024, height: 576 }))).toEqual([
      {
        field: 'width',
        message: 'width x height must be one of 1280x720, 720x1280, 832x480, 480x832 for wan2.1-t2v-14b (got 1024x576)',
        allowed: '1280x720, 720x1280, 832x480, 480x832',
      },
    ]);
    expect(errorsOf(validateGenerationRequest(WAN21_T2V_1_3B, { width: 1280, height: 720 }))).toEqual([
      expect.objectContaining({ field: 'width', allowed: '832x480, 480x832' }),
    ]);
    expect(errorsOf(validateGenerationRequest(WAN21_T2V_14B, { width: 832, height: 720 }))).toEqual([
      expect.objectContaining({ field: 'height' }),
    ]);
  });

  it('completes a discrete size from one side when only one allowed size has it', () => {
    expect(validateGenerationRequest(WAN21_T2V_14B, { width: 480 })).toMatchObject({ ok: true, params: { width: 480, height: 832 } });
    expect(validateGenerationRequest(OPENSORA_2_0, { height: 496 })).toMatchObject({ ok: true, params: { width: 1184, height: 496 } });
  });

  it.each([1, 5, 77, 81])('accepts %d frames (4n+1) for Wan', (numFrames) => {
    expect(validateGenerationRequest(WAN21_T2V_14B, { numFrames }).ok).toBe(true);
  });

  it.each([2, 4, 80, 85])('rejects %d frames for Wan', (numFrames) => {
    expect(errorsOf(validateGenerationRequest(WAN21_T2V_14B, { numFrames }))).toEqual([
      {
        field: 'numFrames',
        message: 'numFrames must be an integer of the form 4n+1 between 1 and 81',
        allowed: '1, 5, 9, ..., 81',
      },
    ]);
  });

  it('accepts image-to-video only where the model has it', () => {
    expect(validateGenerationRequest(EASYANIMATE_V51_12B, { mode: 'i2v' })).toMatchObject({ ok: true, mode: 'i2v' });
    expect(validateGenerationRequest(OPENSORA_2_0, { mode: 'i2v' })).toMatchObject({ ok: true, mode: 'i2v' });
    expect(errorsOf(validateGenerationRequest(WAN21_T2V_14B, { mode: 'i2v' }))).toEqual([
      { field: 'mode', message: 'mode must be one of t2v for wan2.1-t2v-14b', allowed: 't2v' },
    ]);
    expect(errorsOf(validateGenerationRequest(WAN21_I2V_14B_720P, { mode: 't2v' }))).toEqual([
      expect.objectContaining({ field: 'mode', allowed: 'i2v' }),
    ]);
  });

  it('checks Open-Sora frames as 4k+1 up to 129', () => {
    expect(validateGenerationRequest(OPENSORA_2_0, { numFrames: 129 }).ok).toBe(true);
    expect(errorsOf(validateGenerationRequest(OPENSORA_2_0, { numFrames: 133 }))).toEqual([expect.objectContaining({ field: 'numFrames' })]);
  });

  it('validates a request in well under 2 µs', () => {
    const input = { width: 1008, height: 576, numFrames: 49, numInferenceSteps: 30, guidanceScale: 6, seed: 42 };
    for (let i = 0; i < 10_000; i++) validateGenerationRequest(EASYANIMATE_V51_12B, input);
    const n = 100_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) validateGenerationRequest(EASYANIMATE_V51_12B, input);
    const micros = Number(process.hrtime.bigint() - t0) / 1000 / n;
    expect(micros).toBeLessThan(2);
  });
});
