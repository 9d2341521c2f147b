import { openSoraSize, type ModelProfile, type OpenSoraAspectRatio, type OpenSoraResolution } from '@app/policies';
import type { FieldProblem } from '../../problem/problem.js';
import type { TaskView } from '../../video/task-view.js';
import type { NativeCreate } from '../shared/native-create.js';

/**
 * The Open-Sora job API of seeds/000 (`POST /v1/generate`, `GET /v1/jobs/{job_id}`, `GET /v1/videos/{job_id}`):
 * its fields, defaults and ranges, mapped onto the opensora-2.0 profile. Like its FastAPI original, fields it
 * does not know are ignored.
 */
export const OPENSORA_RESOLUTIONS: readonly OpenSoraResolution[] = ['256px', '768px'];
export const OPENSORA_ASPECT_RATIOS: readonly OpenSoraAspectRatio[] = ['16:9', '9:16', '1:1', '2.39:1'];
export const OPENSORA_COND_TYPES = ['t2v', 'i2v_head'] as const;
export const OPENSORA_DEFAULTS = { resolution: '256px', aspect_ratio: '16:9', num_frames: 49, motion_score: 4, num_steps: 50, cond_type: 't2v' } as const;
export const OPENSORA_RANGES = { motion_score: { min: 1, max: 7 }, num_steps: { min: 10, max: 100 } } as const;

export type OpenSoraJobStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface OpenSoraJob {
  job_id: string;
  status: OpenSoraJobStatus;
  video_url: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  progress: number;
  queue_position: number | null;
}

export function translateOpenSoraGenerate(input: unknown, profile: ModelProfile): NativeCreate | FieldProblem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: 'body', message: 'must be a JSON object' }];
  const body = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];

  const resolution = body.resolution ?? OPENSORA_DEFAULTS.resolution;
  if (!OPENSORA_RESOLUTIONS.includes(resolution as OpenSoraResolution)) {
    problems.push({ field: 'resolution', message: 'must be "256px" or "768px"', allowed: OPENSORA_RESOLUTIONS.join(' | ') });
  }
  const aspectRatio = body.aspect_ratio ?? OPENSORA_DEFAULTS.aspect_ratio;
  if (!OPENSORA_ASPECT_RATIOS.includes(aspectRatio as OpenSoraAspectRatio)) {
    problems.push({ field: 'aspect_ratio', message: `must be one of ${OPENSORA_ASPECT_RATIOS.join(', ')}`, allowed: OPENSORA_ASPECT_RATIOS.join(' | ') });
  }
  const numFrames = integer(body, 'num_frames', OPENSORA_DEFAULTS.num_frames, problems);
  const motionScore = integer(body, 'motion_score', OPENSORA_DEFAULTS.motion_score, problems, OPENSORA_RANGES.motion_score);
  const numSteps = integer(body, 'num_steps', OPENSORA_DEFAULTS.num_steps, problems, OPENSORA_RANGES.num_steps);
  const seed = integer(body, 'seed', undefined, problems);
  const condType = body.cond_type ?? OPENSORA_DEFAULTS.cond_type;
  if (!OPENSORA_COND_TYPES.includes(condType as (typeof OPENSORA_COND_TYPES)[number])) {
    problems.push({ field: 'cond_type', message: 'must be "t2v" (text to video) or "i2v_head" (image to video)', allowed: OPENSORA_COND_TYPES.join(' | ') });
  }
  // Open-Sora's API names no image field; image_url (as in the Wan API) carries the first frame for i2v_head.
  const imageUrl = body.image_url ?? undefined;
  if (condType === 'i2v_head' && imageUrl === undefined) {
    problems.push({ field: 'image_url', message: 'cond_type i2v_head needs the first frame: image_url (a public http(s) URL or a base64 data: URL)' });
  }
  if (condType === 't2v' && imageUrl !== undefined) problems.push({ field: 'image_url', message: 'an image needs cond_type "i2v_head"' });
  if (imageUrl !== undefined && typeof imageUrl !== 'string') problems.push({ field: 'image_url', message: 'must be a string' });
  if (body.prompt != null && typeof body.prompt !== 'string') problems.push({ field: 'prompt', message: 'must be a string' });
  if (problems.length > 0) return problems;

  const [width, height] = openSoraSize(resolution as OpenSoraResolution, aspectRatio as OpenSoraAspectRatio);
  return {
    body: {
      model: profile.id,
      prompt: body.prompt,
      width,
      height,
      numFrames,
      numInferenceSteps: numSteps,
      ...(seed === undefined ? {} : { seed }),
    },
    mode: condType === 't2v' ? 't2v' : 'i2v',
    ...(typeof imageUrl === 'string' ? { image: { kind: 'url' as const, url: imageUrl, field: 'image_url' } } : {}),
    extra: { resolution, aspect_ratio: aspectRatio, motion_score: motionScore, cond_type: condType },
    names: { prompt: 'prompt', width: 'resolution', height: 'aspect_ratio', numFrames: 'num_frames', numInferenceSteps: 'num_steps', seed: 'seed' },
  };
}

function integer(
  body: Record<string, unknown>,
  field: string,
  fallback: number | undefined,
  problems: FieldProblem[],
  range?: { min: number; max: number },
): number | undefined {
  const value = body[field] == null ? fallback : body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.push({ field, message: 'must be an integer', ...(range ? { allowed: `${range.min}..${range.max}` } : {}) });
    return undefined;
  }
  if (range && (value < range.min || value > range.max)) {
    problems.push({ field, message: `must be between ${range.min} and ${range.max}`, allowed: `${range.min}..${range.max}` });
  }
  return value;
}

const STATUS: Record<TaskView['status'], OpenSoraJobStatus> = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'failed',
  EXPIRED: 'failed',
};

/** GET /v1/jobs/{job_id}: the seed's five fields, and when it started, progress and place in the queue. */
export function toOpenSoraJob(view: TaskView, baseUrl: string): OpenSoraJob {
  const status = STATUS[view.status];
  const error =
    view.status === 'CANCELLED' ? `cancelled${view.error?.message ? `: ${view.error.message}` : ''}`
    : view.status === 'EXPIRED' ? 'the video has expired'
    : status === 'failed' ? (view.error ? `${view.error.code}: ${view.error.message}` : 'failed')
    : null;
  return {
    job_id: view.taskId,
    status,
    video_url: status === 'completed' ? `${baseUrl}/compat/opensora/v1/videos/${view.taskId}` : null,
    error,
    created_at: view.createTime,
    started_at: view.startTime,
    completed_at: view.finishTime,
    progress: view.progress,
    queue_position: view.queuePosition,
  };
}
