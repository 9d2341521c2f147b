import { TASK_ID_PATTERN } from '@app/contracts';
import type { ModelProfile } from '@app/policies';
import type { FieldProblem } from '../../problem/problem.js';
import type { TaskView } from '../../video/task-view.js';
import type { NativeCreate } from '../shared/native-create.js';

/**
 * The Wan2.1 image-to-video API of seeds/001 (`POST /video/submit`, `/video/status`, `/video/cancel`):
 * its fields, defaults and ranges, mapped onto a wan2.1-i2v profile. The distributed and attention-cache
 * options are checked and passed to the model service in `extra`; a service that runs one GPU per job uses
 * what applies to it (the diffusers backend reads sample_shift) and ignores the rest.
 */
export const WAN_MODELS = ['wan2.1-i2v-14b-720p', 'wan2.1-i2v-14b-480p'] as const;

interface Range {
  min: number;
  max: number;
}

export const WAN_RANGES = {
  prompt: { min: 10, max: 500 },
  negative_prompt: { min: 0, max: 500 },
  num_frames: { min: 24, max: 120 },
  guidance_scale: { min: 1, max: 20 },
  infer_steps: { min: 20, max: 100 },
  seed: { min: 0, max: 2147483647 },
  ulysses_size: { min: 1, max: 64 },
  cfg_size: { min: 1, max: 2 },
  start_step: { min: 0, max: 100 },
  attentioncache_interval: { min: 1, max: 100 },
  end_step: { min: 0, max: 100 },
  sample_shift: { min: 0.01, max: 100 },
} as const satisfies Record<string, Range>;

export const WAN_DEFAULTS = {
  num_frames: 81,
  guidance_scale: 3.0,
  infer_steps: 30,
  vae_parallel: false,
  ulysses_size: 1,
  dit_fsdp: false,
  t5_fsdp: false,
  cfg_size: 1,
  use_attentioncache: false,
  start_step: 12,
  attentioncache_interval: 4,
  end_step: 37,
  sample_solver: 'unipc',
  sample_shift: 5.0,
} as const;

export const WAN_SOLVERS = ['unipc', 'dpm++'] as const;
const BOOLEAN_OPTIONS = ['vae_parallel', 'dit_fsdp', 't5_fsdp', 'use_attentioncache'] as const;
const INTEGER_OPTIONS = ['ulysses_size', 'cfg_size', 'start_step', 'attentioncache_interval', 'end_step'] as const;

export type WanStatus = 'InQueue' | 'InProgress' | 'Succeed' | 'Failed' | 'Cancelled';

export interface WanTaskStatus {
  status: WanStatus;
  reason: string | null;
  results: { video_url: string } | null;
  queue_position: number | null;
  progress: number;
  created_at: number;
  updated_at: number;
}

export function translateWanSubmit(input: unknown, profile: ModelProfile): NativeCreate | FieldProblem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: 'body', message: 'must be a JSON object' }];
  const body = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];

  const prompt = text(body, 'prompt', WAN_RANGES.prompt, problems, true);
  const negativePrompt = text(body, 'negative_prompt', WAN_RANGES.negative_prompt, problems, false);

  const [defaultWidth, defaultHeight] = [profile.defaults.width, profile.defaults.height];
  const sizes = (profile.allowedSizes ?? [[defaultWidth, defaultHeight]]).map(([w, h]) => `${w}*${h}`);
  const imageSize = body.image_size ?? `${defaultWidth}*${defaultHeight}`;
  const size = typeof imageSize === 'string' ? /^(\d{2,5})\*(\d{2,5})$/.exec(imageSize.trim()) : null;
  if (!size || !sizes.includes(`${size[1]}*${size[2]}`)) {
    problems.push({ field: 'image_size', message: `must be one of ${sizes.join(', ')} for ${profile.id}`, allowed: sizes.join(' | ') });
  }

  const numFrames = number(body, 'num_frames', WAN_DEFAULTS.num_frames, WAN_RANGES.num_frames, problems, true);
  const guidanceScale = number(body, 'guidance_scale', WAN_DEFAULTS.guidance_scale, WAN_RANGES.guidance_scale, problems, false);
  const inferSteps = number(body, 'infer_steps', WAN_DEFAULTS.infer_steps, WAN_RANGES.infer_steps, problems, true);
  const seed = number(body, 'seed', undefined, WAN_RANGES.seed, problems, true);

  const imageUrl = body.image_url ?? undefined;
  if (imageUrl !== undefined && typeof imageUrl !== 'string') problems.push({ field: 'image_url', message: 'must be an http(s) URL string' });

  // Options the model service gets as they were sent (its defaults are Wan's own).
  const extra: Record<string, unknown> = {};
  for (const field of BOOLEAN_OPTIONS) {
    const value = body[field];
    if (value == null) continue;
    if (typeof value !== 'boolean') problems.push({ field, message: 'must be true or false' });
    else extra[field] = value;
  }
  for (const field of INTEGER_OPTIONS) {
    const value = number(body, field, undefined, WAN_RANGES[field], problems, true);
    if (value !== undefined) extra[field] = value;
  }
  const shift = number(body, 'sample_shift', undefined, WAN_RANGES.sample_shift, problems, false);
  if (shift !== undefined) extra.sample_shift = shift;
  if (body.sample_solver != null) {
    if (!WAN_SOLVERS.includes(body.sample_solver as (typeof WAN_SOLVERS)[number])) {
      problems.push({ field: 'sample_solver', message: `must be one of ${WAN_SOLVERS.join(', ')}`, allowed: WAN_SOLVERS.join(' | ') });
    } else extra.sample_solver = body.sample_solver;
  }
  const start = (extra.start_step as number | undefined) ?? WAN_DEFAULTS.start_step;
  const end = (extra.end_step as number | undefined) ?? WAN_DEFAULTS.end_step;
  if ((extra.start_step !== undefined || extra.end_step !== undefined) && end < start) {
    problems.push({ field: 'end_step', message: `must not be before start_step (${start})` });
  }
  if (problems.length > 0) return problems;

  return {
    body: {
      model: profile.id,
      prompt,
      ...(negativePrompt ? { negativePrompt } : {}),
      width: Number(size![1]),
      height: Number(size![2]),
      numFrames,
      numInferenceSteps: inferSteps,
      guidanceScale,
      ...(seed === undefined ? {} : { seed }),
    },
    mode: imageUrl === undefined ? 't2v' : 'i2v',
    ...(typeof imageUrl === 'string' ? { image: { kind: 'url' as const, url: imageUrl, field: 'image_url' } } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    names: {
      prompt: 'prompt',
      negativePrompt: 'negative_prompt',
      width: 'image_size',
      height: 'image_size',
      numFrames: 'num_frames',
      numInferenceSteps: 'infer_steps',
      guidanceScale: 'guidance_scale',
      seed: 'seed',
    },
  };
}

function text(body: Record<string, unknown>, field: string, range: Range, problems: FieldProblem[], required: boolean): string | undefined {
  const value = body[field];
  if (value == null) {
    if (required) problems.push({ field, message: 'is required', allowed: `${range.min}..${range.max} characters` });
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push({ field, message: 'must be a string' });
    return undefined;
  }
  const length = [...value.trim()].length;
  if (length < range.min || length > range.max) {
    problems.push({ field, message: `must be ${range.min}-${range.max} characters (got ${length})`, allowed: `${range.min}..${range.max} characters` });
  }
  return value;
}

function number(
  body: Record<string, unknown>,
  field: string,
  fallback: number | undefined,
  range: Range,
  problems: FieldProblem[],
  integer: boolean,
): number | undefined {
  const value = body[field] == null ? fallback : body[field];
  if (value === undefined) return undefined;
  const allowed = `${range.min}..${range.max}`;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    problems.push({ field, message: `must be ${integer ? 'an integer' : 'a number'} between ${range.min} and ${range.max}`, allowed });
    return undefined;
  }
  if (value < range.min || value > range.max) problems.push({ field, message: `must be between ${range.min} and ${range.max}`, allowed });
  return value;
}

const STATUS: Record<TaskView['status'], WanStatus> = {
  PENDING: 'InQueue',
  PROCESSING: 'InProgress',
  COMPLETED: 'Succeed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  EXPIRED: 'Failed',
};

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

/** POST /video/status: timestamps in epoch seconds, progress 0-1, the download URL once it succeeded. */
export function toWanStatus(view: TaskView, baseUrl: string): WanTaskStatus {
  const status = STATUS[view.status];
  return {
    status,
    reason:
      view.status === 'EXPIRED' ? 'the video has expired'
      : status === 'Failed' || status === 'Cancelled' ? (view.error ? `${view.error.code}: ${view.error.message}` : status.toLowerCase())
      : null,
    results: status === 'Succeed' ? { video_url: `${baseUrl}/compat/wan/videos/${view.taskId}.mp4` } : null,
    queue_position: view.queuePosition,
    progress: view.progress,
    created_at: epochSeconds(view.createTime),
    updated_at: epochSeconds(view.updateTime),
  };
}

/** The body of /video/status and /video/cancel. */
export function readRequestId(input: unknown): string | FieldProblem[] {
  const id = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).requestId : undefined;
  if (typeof id !== 'string' || !TASK_ID_PATTERN.test(id)) return [{ field: 'requestId', message: 'must be the requestId that /video/submit returned' }];
  return id;
}
