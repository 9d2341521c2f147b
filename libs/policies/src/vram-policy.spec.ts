import fc from 'fast-check';
import { fastestFittingMode, vramBytesToGb } from './fit.js';
import {
  EASYANIMATE_V51_12B,
  EASYANIMATE_V51_7B,
  MODEL_PROFILES,
  OPENSORA_2_0,
  WAN21_I2V_14B_480P,
  WAN21_I2V_14B_720P,
  WAN21_T2V_14B,
  WAN21_T2V_1_3B,
} from './profiles/index.js';
import type { GenerationParams, MemoryMode, ModelProfile } from './types.js';
import { validateGenerationRequest } from './validation.js';
import { DISCRETE_ASPECT_TOLERANCE, fitToVram, type VramFit } from './vram-policy.js';

const GB = 1e9;
const MiB = 2 ** 20;

function request(profile: ModelProfile, width: number, height: number, numFrames: number): GenerationParams {
  return { ...profile.defaults, width, height, numFrames };
}

function expectOk(fit: VramFit): Extract<VramFit, { ok: true }> {
  if (!fit.ok) throw new Error(`expected a fit, got: ${fit.reason}`);
  return fit;
}

// The EasyAnimate README's tables, transcribed independently of the profiles (columns as printed: HxWxframes).
const README_COLUMNS: Array<[number, number, number]> = [
  [384, 672, 25],
  [384, 672, 49],
  [576, 1008, 25],
  [576, 1008, 49],
  [768, 1344, 25],
  [768, 1344, 49],
];
const CODES: Record<string, MemoryMode | null> = {
  O: 'model_cpu_offload',
  Q: 'model_cpu_offload_and_qfloat8',
  S: 'sequential_cpu_offload',
  no: null,
};
const README_TABLES: Array<[ModelProfile, Record<number, string>]> = [
  [EASYANIMATE_V51_12B, { 16: 'Q S S S no no', 24: 'Q Q Q Q Q no', 40: 'O O O O O O', 80: 'O O O O O O' }],
  [EASYANIMATE_V51_7B, { 16: 'Q Q S S no no', 24: 'O O O Q Q no', 40: 'O O O O O O', 80: 'O O O O O O' }],
];

const cells = README_TABLES.flatMap(([profile, rows]) =>
  Object.entries(rows).flatMap(([gb, codes]) =>
    codes.split(' ').map((code, c) => {
      const [h, w, f] = README_COLUMNS[c]!;
      return { id: profile.id, profile, gb: Number(gb), w, h, f, size: `${h}x${w}x${f}`, code, expected: CODES[code]! };
    }),
  ),
);

describe('fitToVram on the EasyAnimate V5.1 tables', () => {
  it('covers every cell of both tables', () => {
    expect(cells).toHaveLength(2 * 4 * 6);
  });

  describe.each(cells.filter((c) => c.expected !== null))(
    '$id, $gb GB, $size (README: $code)',
    ({ profile, gb, w, h, f, expected }) => {
      it.each([
        ['landscape', w, h],
        ['portrait', h, w],
      ])('%s: keeps the size and picks the mode the table names', (_, width, height) => {
        const fit = expectOk(fitToVram(profile, request(profile, width, height, f), gb * GB));
        expect(fit.effective).toMatchObject({ width, height, numFrames: f, memoryMode: expected });
        const modeChanges = fit.adjustments.filter((a) => a.field === 'memoryMode');
        expect(fit.adjustments).toHaveLength(modeChanges.length);
        if (expected === 'model_cpu_offload') expect(modeChanges).toEqual([]);
        else expect(modeChanges).toEqual([expect.objectContaining({ from: 'model_cpu_offload', to: expected })]);
      });
    },
  );

  describe.each(cells.filter((c) => c.expected === null))('$id, $gb GB, $size (README: no)', ({ profile, gb, w, h, f }) => {
    it('is not offered at that size; the resolution is reduced with the same aspect ratio', () => {
      expect(fastestFittingMode(profile, gb, w, h, f)).toBeNull();
      const fit = expectOk(fitToVram(profile, request(profile, w, h, f), gb * GB));
      const { width, height } = fit.effective;
      expect(width * height).toBeLessThan(w * h);
      expect(width / height).toBeCloseTo(w / h, 1);
      expect(fit.adjustments.map((a) => a.field)).toEqual(expect.arrayContaining(['width', 'height']));
      expect(fastestFittingMode(profile, gb, width, height, fit.effective.numFrames)).toBe(fit.effective.memoryMode);
    });
  });
});

describe('fitToVram', () => {
  it('runs the issue case, 1008x576x49 on a 16 GB EasyAnimate-12B service, with sequential offload and says so', () => {
    const fit = expectOk(fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 1008, 576, 49), 16 * GB));
    expect(fit.effective).toEqual({ ...request(EASYANIMATE_V51_12B, 1008, 576, 49), memoryMode: 'sequential_cpu_offload' });
    expect(fit.adjustments).toEqual([
      {
        field: 'memoryMode',
        from: 'model_cpu_offload',
        to: 'sequential_cpu_offload',
        reason: expect.stringMatching(/1008x576x49 .*16 GB GPU .*EasyAnimate V5\.1 12B VRAM table, 16 GB row/),
      },
    ]);
  });

  it('reduces 1344x768x49 on 16 GB to 1008x576, the largest size the 12B table allows there, and names table and VRAM', () => {
    const fit = expectOk(fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 1344, 768, 49), 16 * GB));
    expect(fit.effective).toMatchObject({ width: 1008, height: 576, numFrames: 49, memoryMode: 'sequential_cpu_offload' });
    const reason = 'does not fit a 16 GB GPU (EasyAnimate V5.1 12B VRAM table, 16 GB row) in any memory mode; reduced to 1008x576 (same aspect ratio)';
    expect(fit.adjustments).toEqual([
      { field: 'width', from: 1344, to: 1008, reason: `1344x768x49 ${reason}` },
      { field: 'height', from: 768, to: 576, reason: `1344x768x49 ${reason}` },
      expect.objectContaining({ field: 'memoryMode', to: 'sequential_cpu_offload' }),
    ]);
  });

  it('prefers a smaller resolution over fewer frames (24 GB, 12B, 1344x768x49)', () => {
    const fit = expectOk(fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 1344, 768, 49), 24 * GB));
    expect(fit.effective).toMatchObject({ width: 1008, height: 576, numFrames: 49, memoryMode: 'model_cpu_offload_and_qfloat8' });
  });

  it('reduces frames when no resolution with the aspect ratio fits in the modes the service allows', () => {
    // A 16 GB service that loaded the model with qfloat8 only: the 12B table has Q at 16 GB for 384x672x25 alone.
    const fit = expectOk(
      fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 1008, 576, 49), 16 * GB, {
        memoryModes: ['model_cpu_offload_and_qfloat8'],
      }),
    );
    expect(fit.effective).toMatchObject({ width: 672, height: 384, numFrames: 25, memoryMode: 'model_cpu_offload_and_qfloat8' });
    expect(fit.adjustments.map((a) => [a.field, a.from, a.to])).toEqual([
      ['width', 1008, 672],
      ['height', 576, 384],
      ['numFrames', 49, 25],
      ['memoryMode', 'model_cpu_offload', 'model_cpu_offload_and_qfloat8'],
    ]);
    expect(fit.adjustments[2]!.reason).toContain('reduced to 672x384x25');
  });

  it('does not offer sizes beyond the published columns (1344x1344 has more pixels than 1344x768)', () => {
    expect(fastestFittingMode(EASYANIMATE_V51_12B, 80, 1344, 1344, 49)).toBeNull();
    const fit = expectOk(fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 1344, 1344, 49), 80 * GB));
    expect(fit.effective).toMatchObject({ width: 1008, height: 1008, memoryMode: 'model_cpu_offload' });
  });

  it.each([
    { gpu: 'T4 (15,360 MiB, 15.8e9 bytes visible)', bytes: 15.8 * GB, row: 16 },
    { gpu: 'A10 (23,028 MiB)', bytes: 23028 * MiB, row: 24 },
    { gpu: 'RTX 4090 (24,564 MiB)', bytes: 24564 * MiB, row: 24 },
    { gpu: 'V100 32 GB', bytes: 34.1 * GB, row: 24 },
    { gpu: 'A100 40 GB (40,960 MiB)', bytes: 40960 * MiB, row: 40 },
    { gpu: 'L40S (46,068 MiB)', bytes: 46068 * MiB, row: 40 },
    { gpu: 'H100 80 GB (81,559 MiB)', bytes: 81559 * MiB, row: 40 },
  ])('puts a $gpu in the $row GB row', ({ bytes, row }) => {
    const fit = expectOk(fitToVram(EASYANIMATE_V51_12B, request(EASYANIMATE_V51_12B, 672, 384, 25), bytes));
    if (row === 40) {
      expect(fit.effective.memoryMode).toBe('model_cpu_offload');
      expect(fit.adjustments).toEqual([]);
    } else {
      expect(fit.effective.memoryMode).toBe('model_cpu_offload_and_qfloat8');
      expect(fit.adjustments[0]!.reason).toContain(`${row} GB row`);
    }
  });

  it.each([
    { profile: EASYANIMATE_V51_12B, bytes: 12 * GB },
    { profile: EASYANIMATE_V51_7B, bytes: 12.9 * GB },
    { profile: WAN21_T2V_1_3B, bytes: 8 * GB },
    { profile: WAN21_T2V_14B, bytes: 48 * GB },
    { profile: WAN21_I2V_14B_720P, bytes: 76 * GB },
    { profile: OPENSORA_2_0, bytes: 46068 * MiB },
    { profile: EASYANIMATE_V51_12B, bytes: 0 },
    { profile: EASYANIMATE_V51_12B, bytes: Number.NaN },
  ])('refuses $profile.id on $bytes bytes of GPU memory with a reason', ({ profile, bytes }) => {
    const fit = fitToVram(profile, profile.defaults, bytes);
    expect(fit.ok).toBe(false);
    if (!fit.ok) expect(fit.reason).toMatch(/GB|bytes/);
  });

  it.each([
    { profile: WAN21_T2V_1_3B, bytes: 12 * GB, width: 832, height: 480 },
    { profile: WAN21_T2V_14B, bytes: 80 * GB, width: 1280, height: 720 },
    { profile: WAN21_T2V_14B, bytes: 80 * GB, width: 480, height: 832 },
    { profile: WAN21_I2V_14B_720P, bytes: 80 * GB, width: 720, height: 1280 },
    { profile: WAN21_I2V_14B_480P, bytes: 80 * GB, width: 832, height: 480 },
    { profile: OPENSORA_2_0, bytes: 80 * GB, width: 1024, height: 576 },
    { profile: OPENSORA_2_0, bytes: 80 * GB, width: 336, height: 192 },
  ])('runs $profile.id at $width by $height on $bytes bytes in its one measured mode', ({ profile, bytes, width, height }) => {
    const fit = expectOk(fitToVram(profile, request(profile, width, height, profile.defaults.numFrames), bytes));
    expect(fit.effective).toMatchObject({ width, height, memoryMode: profile.memoryModes[0] });
    expect(fit.adjustments).toEqual([]);
  });

  it('steps Open-Sora down to the 256px size of the same shape when only that fits', () => {
    const fit = expectOk(fitToVram(OPENSORA_2_0, request(OPENSORA_2_0, 1184, 496, 129), 60 * GB));
    expect(fit.effective).toMatchObject({ width: 384, height: 160, numFrames: 129 });
    expect(fit.adjustments[0]!.reason).toContain('next allowed size of the same orientation');
  });
});

describe('fitToVram properties', () => {
  const multiples = (min: number, max: number, m: number) =>
    fc.integer({ min: Math.ceil(min / m), max: Math.floor(max / m) }).map((k) => k * m);

  const validRequest = (profile: ModelProfile): fc.Arbitrary<GenerationParams> => {
    const { limits } = profile;
    const size: fc.Arbitrary<readonly [number, number]> = profile.allowedSizes
      ? fc.constantFrom(...profile.allowedSizes)
      : fc.tuple(
          multiples(limits.width.min, limits.width.max, limits.width.multipleOf),
          multiples(limits.height.min, limits.height.max, limits.height.multipleOf),
        );
    const frames =
      limits.numFrames.form === 'any'
        ? fc.integer(limits.numFrames)
        : fc.integer({ min: 0, max: (limits.numFrames.max - 1) / 4 }).map((k) => 4 * k + 1);
    return fc
      .record({
        size,
        numFrames: frames,
        numInferenceSteps: fc.integer(limits.numInferenceSteps),
        guidanceScale: fc.double({ ...limits.guidanceScale, noNaN: true }),
        seed: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
      })
      .map(({ size, seed, ...rest }) => ({
        ...rest,
        width: size[0],
        height: size[1],
        fps: profile.defaults.fps,
        ...(seed === undefined ? {} : { seed }),
      }));
  };

  const vram = fc.oneof(
    fc.constantFrom(8, 12, 16, 20, 24, 32, 40, 48, 60, 80, 94, 141).map((gb) => gb * GB),
    fc.integer({ min: 0, max: 200 }).map((gb) => gb * GB + 123_456_789),
  );

  const cases = fc
    .constantFrom(...MODEL_PROFILES)
    .chain((profile) => fc.tuple(fc.constant(profile), validRequest(profile), vram));

  it('never exceeds the request, stays valid, fits, keeps the shape and is idempotent', () => {
    fc.assert(
      fc.property(cases, ([profile, req, bytes]) => {
        const fit = fitToVram(profile, req, bytes);
        if (!fit.ok) {
          expect(fastestFittingMode(profile, vramBytesToGb(bytes), req.width, req.height, req.numFrames)).toBeNull();
          return;
        }
        const { memoryMode, ...params } = fit.effective;
        expect(params.width).toBeLessThanOrEqual(req.width);
        expect(params.height).toBeLessThanOrEqual(req.height);
        expect(params.numFrames).toBeLessThanOrEqual(req.numFrames);
        expect(validateGenerationRequest(profile, params)).toEqual({ ok: true, params, mode: profile.modes[0] });
        expect(fastestFittingMode(profile, vramBytesToGb(bytes), params.width, params.height, params.numFrames)).toBe(memoryMode);

        const ratio = req.width / req.height;
        const got = params.width / params.height;
        if (profile.allowedSizes) expect(Math.abs(got - ratio)).toBeLessThanOrEqual(ratio * DISCRETE_ASPECT_TOLERANCE);
        else {
          // The long side is rounded to a multiple of 16: at most 8 px off the exact ratio.
          const short = Math.min(params.width, params.height);
          const long = (r: number) => (r >= 1 ? r : 1 / r);
          expect(Math.abs(long(got) - long(ratio))).toBeLessThanOrEqual(8 / short + 1e-9);
        }

        const again = expectOk(fitToVram(profile, params, bytes));
        expect(again.effective).toEqual(fit.effective);
        expect(again.adjustments.filter((a) => a.field !== 'memoryMode')).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives every change a reason that names the GPU memory and the source table', () => {
    fc.assert(
      fc.property(cases, ([profile, req, bytes]) => {
        const fit = fitToVram(profile, req, bytes);
        if (!fit.ok) return;
        for (const a of fit.adjustments) {
          expect(a.reason).toMatch(/ GB GPU/);
          expect(a.reason).toContain(profile.fit.table);
        }
      }),
      { numRuns: 500 },
    );
  });
});
