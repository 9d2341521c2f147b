import type { MemoryMode, ModelLimits, ModelProfile, VramTableColumn } from '../types.js';

const O: MemoryMode = 'model_cpu_offload';
const Q: MemoryMode = 'model_cpu_offload_and_qfloat8';
const S: MemoryMode = 'sequential_cpu_offload';

const SOURCES = [
  'https://github.com/aigc-apps/EasyAnimate README: V5.1 makes 1-49 frames at 8 fps; GPU memory tables for V5.1 12B and 7B (16/24/40/80 GB rows)',
  'diffusers EasyAnimatePipeline.__call__ defaults: height=width=512 (multiples of 16), num_inference_steps=50, guidance_scale=5.0',
  'REFERENCE.md §1 (EasyAnimate)',
];

/** The README's columns, in its order. */
const COLUMNS: readonly VramTableColumn[] = [
  { width: 672, height: 384, numFrames: 25 },
  { width: 672, height: 384, numFrames: 49 },
  { width: 1008, height: 576, numFrames: 25 },
  { width: 1008, height: 576, numFrames: 49 },
  { width: 1344, height: 768, numFrames: 25 },
  { width: 1344, height: 768, numFrames: 49 },
];

const LIMITS: ModelLimits = {
  width: { min: 256, max: 1344, multipleOf: 16 },
  height: { min: 256, max: 1344, multipleOf: 16 },
  numFrames: { min: 1, max: 49, form: 'any' },
  // V5.1 is trained at 8 fps; another rate would only change playback speed.
  fps: { min: 8, max: 8 },
  numInferenceSteps: { min: 1, max: 100 },
  guidanceScale: { min: 1, max: 20 },
  promptLength: { min: 1, max: 1000 },
  negativePromptLength: { min: 0, max: 1000 },
};

const DEFAULTS = { width: 512, height: 512, numFrames: 25, fps: 8, numInferenceSteps: 50, guidanceScale: 5.0 };

/**
 * The README never lists model_full_gpu for V5.1 (its 40 GB and 80 GB rows say model_cpu_offload),
 * so it is not offered: no published number says the whole model stays resident.
 */
const MEMORY_MODES: readonly MemoryMode[] = [O, Q, S];

export const EASYANIMATE_V51_12B: ModelProfile = {
  id: 'easyanimate-v5.1-12b',
  family: 'easyanimate',
  displayName: 'EasyAnimate V5.1 12B',
  sources: SOURCES,
  modes: ['t2v', 'i2v'],
  defaults: DEFAULTS,
  limits: LIMITS,
  memoryModes: MEMORY_MODES,
  fit: {
    kind: 'vram-table',
    table: 'EasyAnimate V5.1 12B VRAM table',
    columns: COLUMNS,
    rows: [
      { nominalGb: 16, modes: [Q, S, S, S, null, null] },
      { nominalGb: 24, modes: [Q, Q, Q, Q, Q, null] },
      { nominalGb: 40, modes: [O, O, O, O, O, O] },
    ],
  },
};

export const EASYANIMATE_V51_7B: ModelProfile = {
  id: 'easyanimate-v5.1-7b',
  family: 'easyanimate',
  displayName: 'EasyAnimate V5.1 7B',
  sources: SOURCES,
  modes: ['t2v', 'i2v'],
  defaults: DEFAULTS,
  limits: LIMITS,
  memoryModes: MEMORY_MODES,
  fit: {
    kind: 'vram-table',
    table: 'EasyAnimate V5.1 7B VRAM table',
    columns: COLUMNS,
    rows: [
      { nominalGb: 16, modes: [Q, Q, S, S, null, null] },
      { nominalGb: 24, modes: [O, O, O, Q, Q, null] },
      { nominalGb: 40, modes: [O, O, O, O, O, O] },
    ],
  },
};
