import type { ModelLimits, ModelProfile } from '../types.js';

const SIZES_720P: ReadonlyArray<readonly [number, number]> = [
  [1280, 720],
  [720, 1280],
];
const SIZES_480P: ReadonlyArray<readonly [number, number]> = [
  [832, 480],
  [480, 832],
];

const SOURCES = [
  'https://github.com/Wan-Video/Wan2.1 generate.py: --frame_num default 81 (4n+1), --sample_steps 50 t2v / 40 i2v, --sample_guide_scale 5.0, --offload_model default True on one GPU',
  'Wan2.1 wan/configs/__init__.py SUPPORTED_SIZES (14B: 1280*720, 720*1280, 832*480, 480*832; 1.3B: the 480P sizes); README model table (I2V-14B-720P supports 720P, I2V-14B-480P supports 480P); wan/configs/shared_config.py sample_fps = 16',
  'Wan2.1 README "Computational Efficiency": total s / peak GB on 1 GPU, 81 frames: T2V-1.3B 480P 8.2 GB (RTX 4090, --offload_model True --t5_cpu); T2V-14B 720P 69.1 GB and I2V-14B 720P 76.7 GB (H100, --offload_model True)',
  'REFERENCE.md §1 (Wan2.1)',
];

function limits(minSide: number, maxSide: number): ModelLimits {
  return {
    width: { min: minSide, max: maxSide, multipleOf: 16 },
    height: { min: minSide, max: maxSide, multipleOf: 16 },
    numFrames: { min: 1, max: 81, form: '4n+1' },
    fps: { min: 16, max: 16 },
    numInferenceSteps: { min: 1, max: 100 },
    guidanceScale: { min: 1, max: 20 },
    promptLength: { min: 1, max: 1000 },
    negativePromptLength: { min: 0, max: 1000 },
  };
}

// Wan's --offload_model True (the single-GPU default, and how every one-GPU number was measured) is reported as
// model_cpu_offload. No single-GPU measurement without it exists, so no faster mode is offered.
// Peaks were measured at 81 frames (the maximum) and at 720P for 14B; smaller sizes and fewer frames are
// bounded by those numbers rather than extrapolated below them.

export const WAN21_T2V_14B: ModelProfile = {
  id: 'wan2.1-t2v-14b',
  family: 'wan',
  displayName: 'Wan2.1 T2V 14B',
  sources: SOURCES,
  modes: ['t2v'],
  defaults: { width: 1280, height: 720, numFrames: 81, fps: 16, numInferenceSteps: 50, guidanceScale: 5.0 },
  limits: limits(480, 1280),
  allowedSizes: [...SIZES_720P, ...SIZES_480P],
  memoryModes: ['model_cpu_offload'],
  fit: {
    kind: 'peak-memory',
    table: 'Wan2.1 computational-efficiency table',
    points: [
      { label: 'T2V-14B 720P, 81 frames, 1 H100', maxPixels: 1280 * 720, maxFrames: 81, peakGb: 69.1, memoryMode: 'model_cpu_offload' },
    ],
  },
};

export const WAN21_T2V_1_3B: ModelProfile = {
  id: 'wan2.1-t2v-1.3b',
  family: 'wan',
  displayName: 'Wan2.1 T2V 1.3B',
  sources: SOURCES,
  modes: ['t2v'],
  defaults: { width: 832, height: 480, numFrames: 81, fps: 16, numInferenceSteps: 50, guidanceScale: 5.0 },
  limits: limits(480, 832),
  allowedSizes: SIZES_480P,
  memoryModes: ['model_cpu_offload'],
  fit: {
    kind: 'peak-memory',
    table: 'Wan2.1 computational-efficiency table',
    points: [
      // Measured with --t5_cpu as well: the model service must run the 1.3B model that way for this to hold.
      { label: 'T2V-1.3B 480P, 81 frames, 1 RTX 4090 with --t5_cpu', maxPixels: 832 * 480, maxFrames: 81, peakGb: 8.2, memoryMode: 'model_cpu_offload' },
    ],
  },
};

export const WAN21_I2V_14B_720P: ModelProfile = {
  id: 'wan2.1-i2v-14b-720p',
  family: 'wan',
  displayName: 'Wan2.1 I2V 14B 720P',
  sources: SOURCES,
  modes: ['i2v'],
  defaults: { width: 1280, height: 720, numFrames: 81, fps: 16, numInferenceSteps: 40, guidanceScale: 5.0 },
  limits: limits(720, 1280),
  allowedSizes: SIZES_720P,
  memoryModes: ['model_cpu_offload'],
  fit: {
    kind: 'peak-memory',
    table: 'Wan2.1 computational-efficiency table',
    points: [
      { label: 'I2V-14B 720P, 81 frames, 1 H100', maxPixels: 1280 * 720, maxFrames: 81, peakGb: 76.7, memoryMode: 'model_cpu_offload' },
    ],
  },
};

export const WAN21_I2V_14B_480P: ModelProfile = {
  id: 'wan2.1-i2v-14b-480p',
  family: 'wan',
  displayName: 'Wan2.1 I2V 14B 480P',
  sources: SOURCES,
  modes: ['i2v'],
  defaults: { width: 832, height: 480, numFrames: 81, fps: 16, numInferenceSteps: 40, guidanceScale: 5.0 },
  limits: limits(480, 832),
  allowedSizes: SIZES_480P,
  memoryModes: ['model_cpu_offload'],
  fit: {
    kind: 'peak-memory',
    table: 'Wan2.1 computational-efficiency table',
    points: [
      // Not measured at 480P; the same 14B I2V network at 720P is the published upper bound.
      { label: 'I2V-14B at 720P (upper bound for 480P), 81 frames, 1 H100', maxPixels: 1280 * 720, maxFrames: 81, peakGb: 76.7, memoryMode: 'model_cpu_offload' },
    ],
  },
};
