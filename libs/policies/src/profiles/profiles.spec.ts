import { validateGenerationRequest, isSideAllowed } from '../validation.js';
import { DEFAULT_MODEL_ID, getModelProfile, MODEL_IDS, MODEL_PROFILES, OPENSORA_SIZES, openSoraSize } from './index.js';

describe('model profiles', () => {
  it('has the seven models, EasyAnimate 12B as the default', () => {
    expect(MODEL_IDS).toEqual([
      'easyanimate-v5.1-12b',
      'easyanimate-v5.1-7b',
      'wan2.1-t2v-14b',
      'wan2.1-t2v-1.3b',
      'wan2.1-i2v-14b-720p',
      'wan2.1-i2v-14b-480p',
      'opensora-2.0',
    ]);
    expect(getModelProfile(DEFAULT_MODEL_ID)?.displayName).toBe('EasyAnimate V5.1 12B');
    expect(getModelProfile('sora')).toBeUndefined();
  });

  describe.each(MODEL_PROFILES.map((p) => [p.id, p] as const))('%s', (_, profile) => {
    it('has valid defaults and names its sources', () => {
      expect(validateGenerationRequest(profile, {}).ok).toBe(true);
      expect(profile.sources.length).toBeGreaterThan(0);
      expect(profile.modes.length).toBeGreaterThan(0);
    });

    it('lists only sizes inside its own limits', () => {
      for (const [w, h] of profile.allowedSizes ?? []) {
        expect(isSideAllowed(w, profile.limits.width)).toBe(true);
        expect(isSideAllowed(h, profile.limits.height)).toBe(true);
      }
    });

    it('only uses memory modes it lists, fastest first', () => {
      const used =
        profile.fit.kind === 'vram-table'
          ? profile.fit.rows.flatMap((r) => r.modes.filter((m) => m !== null))
          : profile.fit.points.map((p) => p.memoryMode);
      for (const m of used) expect(profile.memoryModes).toContain(m);
      expect(new Set(profile.memoryModes).size).toBe(profile.memoryModes.length);
    });
  });

  it('does not offer model_full_gpu for EasyAnimate (its tables never list it)', () => {
    for (const id of ['easyanimate-v5.1-12b', 'easyanimate-v5.1-7b']) {
      expect(getModelProfile(id)!.memoryModes).toEqual(['model_cpu_offload', 'model_cpu_offload_and_qfloat8', 'sequential_cpu_offload']);
    }
  });

  it.each([
    ['256px', '16:9', 336, 192],
    ['256px', '9:16', 192, 336],
    ['256px', '1:1', 256, 256],
    ['256px', '2.39:1', 384, 160],
    ['768px', '16:9', 1024, 576],
    ['768px', '9:16', 576, 1024],
    ['768px', '1:1', 768, 768],
    ['768px', '2.39:1', 1184, 496],
  ] as const)('gives Open-Sora %s %s as %dx%d, as its get_image_size computes', (res, ar, w, h) => {
    expect(openSoraSize(res, ar)).toEqual([w, h]);
  });

  it('derives the Open-Sora sizes by the upstream formula', () => {
    // aspect.py get_aspect_ratios_dict(training=False) with AE_SPATIAL_COMPRESSION = 16.
    const derive = (side: number, ratio: number): [number, number] => {
      const total = side * side;
      const w = Math.floor(Math.sqrt(total * ratio) / 16) * 16;
      return [w, Math.floor(total / w / 16) * 16];
    };
    for (const [res, side] of [['256px', 256], ['768px', 768]] as const) {
      expect(OPENSORA_SIZES[res]['16:9']).toEqual(derive(side, 16 / 9));
      expect(OPENSORA_SIZES[res]['1:1']).toEqual(derive(side, 1));
      expect(OPENSORA_SIZES[res]['2.39:1']).toEqual(derive(side, 2.39));
      expect(OPENSORA_SIZES[res]['9:16']).toEqual([...derive(side, 16 / 9)].reverse());
    }
  });
});
