import type { TaskRecord } from '@app/contracts';
import { getModelProfile, type ModelProfile } from '@app/policies';
import type { FieldProblem } from '../../problem/problem.js';
import { numberField, unknownFieldProblems } from '../shared/foreign-fields.js';
import type { ImageReference, NativeCreate } from '../shared/native-create.js';

/** The Video object of the OpenAI Videos API (openai npm `Video`). */
export interface OpenAiVideo {
  id: string;
  object: 'video';
  model: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  remixed_from_video_id: null;
  seconds: string;
  size: string;
  error: { code: string; message: string } | null;
}

export interface OpenAiCreateContext {
  defaultModel: string;
  enabledModels: readonly string[];
}

/** Our extensions (as vLLM-Omni and SGLang Diffusion accept them) next to OpenAI's prompt/model/size/seconds/input_reference. */
const EXTENSION_NUMBERS = {
  width: 'width',
  height: 'height',
  num_frames: 'numFrames',
  fps: 'fps',
  num_inference_steps: 'numInferenceSteps',
  guidance_scale: 'guidanceScale',
  seed: 'seed',
} as const;
const KNOWN = new Set([
  'prompt',
  'model',
  'size',
  'seconds',
  'input_reference',
  'input_reference[image_url]',
  'input_reference[file_id]',
  'negative_prompt',
  'priority',
  ...Object.keys(EXTENSION_NUMBERS),
]);

const STATUS: Record<TaskRecord['status'], OpenAiVideo['status']> = {
  PENDING: 'queued',
  PROCESSING: 'in_progress',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'failed',
  EXPIRED: 'completed',
};

const epochSeconds = (iso: string | undefined): number | null => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/** Frames for a duration: fps × seconds, rounded to the model's frame form (4n+1 models get the extra frame). */
export function framesForSeconds(profile: ModelProfile, seconds: number, fps: number): number {
  if (profile.limits.numFrames.form === '4n+1') return 4 * Math.round((seconds * fps) / 4) + 1;
  return Math.max(1, Math.round(seconds * fps));
}

/** The inverse of framesForSeconds, as the Video object's `seconds` string. */
export function secondsForFrames(profile: ModelProfile | undefined, numFrames: number, fps: number): string {
  const frames = profile?.limits.numFrames.form === '4n+1' ? numFrames - 1 : numFrames;
  return String(Number((frames / fps).toFixed(3)));
}

function secondsRange(profile: ModelProfile, fps: number): { max: number; text: string } {
  const { min, max, form } = profile.limits.numFrames;
  const longest = (form === '4n+1' ? max - 1 : max) / fps;
  const shortest = (form === '4n+1' ? min - 1 : min) / fps;
  const text = `${shortest > 0 ? shortest : `more than ${shortest}`} to ${longest} seconds (${fps} fps, ${min}-${max} frames)`;
  return { max: longest, text };
}

/**
 * Reads a create request (JSON, or multipart text fields plus an `input_reference` file) into native terms.
 * `size` "WxH" becomes width/height, `seconds` becomes numFrames through the model's fps and frame form.
 */
export function translateOpenAiCreate(
  input: Record<string, unknown>,
  file: Buffer | undefined,
  context: OpenAiCreateContext,
): NativeCreate | FieldProblem[] {
  const problems = unknownFieldProblems(input, KNOWN);
  const names: Record<string, string> = {
    prompt: 'prompt',
    model: 'model',
    negativePrompt: 'negative_prompt',
    priority: 'priority',
    width: 'size',
    height: 'size',
    numFrames: 'seconds',
    fps: 'fps',
    numInferenceSteps: 'num_inference_steps',
    guidanceScale: 'guidance_scale',
    seed: 'seed',
  };
  const body: Record<string, unknown> = {};
  for (const field of ['prompt', 'model', 'priority'] as const) if (input[field] != null) body[field] = input[field];
  if (input.negative_prompt != null) body.negativePrompt = input.negative_prompt;
  for (const [field, native] of Object.entries(EXTENSION_NUMBERS)) {
    const value = numberField(input[field]);
    if (Number.isNaN(value)) problems.push({ field, message: 'must be a number' });
    else if (value !== undefined) {
      body[native] = value;
      names[native] = field;
    }
  }

  const model = typeof input.model === 'string' ? input.model : context.defaultModel;
  const profile = context.enabledModels.includes(model) ? getModelProfile(model) : undefined;
  if (input.model != null && typeof input.model !== 'string') problems.push({ field: 'model', message: 'must be a string' });
  else if (!profile) problems.push({ field: 'model', message: `${model} is not served here`, allowed: context.enabledModels.join(' | ') });

  if (input.size != null) {
    const size = typeof input.size === 'string' ? /^(\d{1,5})x(\d{1,5})$/.exec(input.size.trim()) : null;
    if (!size) problems.push({ field: 'size', message: 'must be "WIDTHxHEIGHT", e.g. "512x512"' });
    else {
      const [width, height] = [Number(size[1]), Number(size[2])];
      if ((body.width !== undefined && body.width !== width) || (body.height !== undefined && body.height !== height)) {
        problems.push({ field: 'size', message: 'disagrees with width/height; give one or the other' });
      }
      body.width = width;
      body.height = height;
      names.width = 'size';
      names.height = 'size';
    }
  }

  if (input.seconds != null) {
    const seconds = numberField(input.seconds);
    if (body.numFrames !== undefined) problems.push({ field: 'seconds', message: 'give seconds or num_frames, not both' });
    else if (seconds === undefined || Number.isNaN(seconds) || seconds <= 0) problems.push({ field: 'seconds', message: 'must be a positive number of seconds, e.g. "4"' });
    else if (profile) {
      const fps = typeof body.fps === 'number' ? body.fps : profile.defaults.fps;
      const range = secondsRange(profile, fps);
      const frames = framesForSeconds(profile, seconds, fps);
      if (seconds > range.max || frames > profile.limits.numFrames.max || frames < profile.limits.numFrames.min) {
        problems.push({ field: 'seconds', message: `${model} makes ${range.text}; got ${seconds}`, allowed: range.text });
      } else {
        body.numFrames = frames;
        names.numFrames = 'seconds';
      }
    }
  }

  const image = imageReference(input, file, problems);
  if (problems.length > 0) return problems;
  return { body, mode: image ? 'i2v' : 't2v', ...(image ? { image } : {}), names };
}

function imageReference(input: Record<string, unknown>, file: Buffer | undefined, problems: FieldProblem[]): ImageReference | undefined {
  const reference = input.input_reference;
  let url: unknown = input['input_reference[image_url]'];
  let fileId: unknown = input['input_reference[file_id]'];
  if (typeof reference === 'string') url = reference;
  else if (typeof reference === 'object' && reference !== null && !Array.isArray(reference)) {
    ({ image_url: url, file_id: fileId } = reference as { image_url?: unknown; file_id?: unknown });
  } else if (reference != null) problems.push({ field: 'input_reference', message: 'must be a file, an image URL or {"image_url": ...}' });
  if (fileId != null) {
    problems.push({ field: 'input_reference', message: 'file_id references are not supported here; send the image itself or its image_url' });
    return undefined;
  }
  if (file && url != null) {
    problems.push({ field: 'input_reference', message: 'give a file or an image_url, not both' });
    return undefined;
  }
  if (file) return { kind: 'file', bytes: file, field: 'input_reference' };
  if (url == null) return undefined;
  if (typeof url !== 'string') {
    problems.push({ field: 'input_reference', message: 'image_url must be a string' });
    return undefined;
  }
  return { kind: 'url', url, field: 'input_reference' };
}

export function toOpenAiVideo(task: TaskRecord): OpenAiVideo {
  const params = task.effective ?? task.requested;
  const profile = getModelProfile(task.model);
  const failed = task.status === 'FAILED' || task.status === 'CANCELLED';
  const finished = task.status === 'COMPLETED' || task.status === 'EXPIRED' || failed;
  return {
    id: task.taskId,
    object: 'video',
    model: task.model,
    status: STATUS[task.status],
    progress: Math.round(task.progress * 100),
    created_at: epochSeconds(task.createTime)!,
    completed_at: finished ? epochSeconds(task.finishTime ?? task.updateTime) : null,
    expires_at: task.status === 'EXPIRED' ? epochSeconds(task.updateTime) : null,
    prompt: task.requested.prompt,
    remixed_from_video_id: null,
    seconds: secondsForFrames(profile, params.numFrames, params.fps),
    size: `${params.width}x${params.height}`,
    error: failed ? (task.error ?? { code: task.status === 'CANCELLED' ? 'cancelled' : 'failed', message: task.status.toLowerCase() }) : null,
  };
}

export interface OpenAiListQuery {
  limit: number;
  after?: string;
  order: 'asc' | 'desc';
}

/** `?limit=&after=&order=` (limit 1-100, default 20; order desc by default, newest first). */
export function parseOpenAiListQuery(query: Record<string, unknown>): OpenAiListQuery | FieldProblem[] {
  const problems: FieldProblem[] = [];
  const limit = query.limit === undefined ? 20 : typeof query.limit === 'string' && /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
  if (!(limit >= 1 && limit <= 100)) problems.push({ field: 'limit', message: 'must be an integer from 1 to 100', allowed: '1..100' });
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') problems.push({ field: 'order', message: 'must be asc or desc', allowed: 'asc | desc' });
  const after = query.after;
  if (after !== undefined && (typeof after !== 'string' || after.length === 0)) problems.push({ field: 'after', message: 'must be a video id' });
  if (problems.length > 0) return problems;
  return { limit, order: order as 'asc' | 'desc', ...(typeof after === 'string' ? { after } : {}) };
}
