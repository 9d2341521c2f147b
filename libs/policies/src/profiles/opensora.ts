import type { ModelProfile } from '../types.js';

export type OpenSoraResolution = '256px' | '768px';
export type OpenSoraAspectRatio = '16:9' | '9:16' | '1:1' | '2.39:1';

/**
 * [width, height] for each resolution and aspect ratio, as Open-Sora 2.0 computes them at inference:
 * opensora/datasets/aspect.py get_image_size(resolution, ar, training=False) — total pixels 256² or 768²,
 * width = floor(sqrt(total·w/h) / 16)·16, height = floor(total / width / 16)·16 — then sampling.py rounds
 * both up to multiples of 16 (already multiples here). Values computed by running that code.
 */
export const OPENSORA_SIZES: Readonly<Record<OpenSoraResolution, Readonly<Record<OpenSoraAspectRatio, readonly [number, number]>>>> = {
  '256px': { '16:9': [336, 192], '9:16': [192, 336], '1:1': [256, 256], '2.39:1': [384, 160] },
  '768px': { '16:9': [1024, 576], '9:16': [576, 1024], '1:1': [768, 768], '2.39:1': [1184, 496] },
};

export function openSoraSize(resolution: OpenSoraResolution, aspectRatio: OpenSoraAspectRatio): readonly [number, number] {
  return OPENSORA_SIZES[resolution][aspectRatio];
}

const ALLOWED = [...Object.values(OPENSORA_SIZES['256px']), ...Object.values(OPENSORA_SIZES['768px'])];

/**
 * Memory: the README measured 1 H100 at 50 steps, peak 52.5 GB (256x256) and 60.3 GB (768x768), with the
 * default 129 frames. `offload_model` in scripts/diffusion/inference.py only swaps the t2i2v Flux image model
 * and the video model between CPU and GPU; it does not lower the video model's own peak (and the README's
 * `--offload True` is not read at all), so it is given no credit: the service keeps the model on the GPU and
 * the measured peaks are used as upper bounds for every aspect ratio (none has more pixels than the square)
 * and every frame count up to 129.
 */
export const OPENSORA_2_0: ModelProfile = {
  id: 'opensora-2.0',
  family: 'opensora',
  displayName: 'Open-Sora 2.0',
  sources: [
    'https://github.com/hpcaitech/Open-Sora configs/diffusion/inference/256px.py: resolution 256px|768px, aspect_ratio 16:9 default, num_frames 129 (4k+1), num_steps 50, guidance 7.5, fps_save 24',
    'Open-Sora opensora/datasets/aspect.py get_image_size + opensora/utils/sampling.py: pixel sizes per resolution and aspect ratio',
    'Open-Sora README "Computational Efficiency": 1 GPU peak 52.5 GB at 256x256, 60.3 GB at 768x768 (H100, 50 steps)',
    'REFERENCE.md §1 (Open-Sora 2.0)',
  ],
  modes: ['t2v', 'i2v'],
  defaults: { width: 336, height: 192, numFrames: 129, fps: 24, numInferenceSteps: 50, guidanceScale: 7.5 },
  limits: {
    width: { min: 192, max: 1184, multipleOf: 16 },
    height: { min: 160, max: 1024, multipleOf: 16 },
    numFrames: { min: 1, max: 129, form: '4n+1' },
    fps: { min: 24, max: 24 },
    numInferenceSteps: { min: 1, max: 100 },
    guidanceScale: { min: 1, max: 20 },
    promptLength: { min: 1, max: 1000 },
    negativePromptLength: { min: 0, max: 1000 },
  },
  allowedSizes: ALLOWED,
  memoryModes: ['model_full_gpu'],
  fit: {
    kind: 'peak-memory',
    table: 'Open-Sora 2.0 computational-efficiency table',
    points: [
      { label: '256px, up to 129 frames, 1 H100', maxPixels: 256 * 256, maxFrames: 129, peakGb: 52.5, memoryMode: 'model_full_gpu' },
      { label: '768px, up to 129 frames, 1 H100', maxPixels: 768 * 768, maxFrames: 129, peakGb: 60.3, memoryMode: 'model_full_gpu' },
    ],
  },
};
