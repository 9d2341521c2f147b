/** The task model every API (native, OpenAI, compat) reads and writes. */
export const TASK_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED']);

export type GenerationMode = 't2v' | 'i2v';
export type Priority = 'low' | 'normal' | 'high';

export interface RequestedParams {
  prompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  numInferenceSteps: number;
  guidanceScale: number;
  seed?: number;
}

export interface EffectiveParams {
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  numInferenceSteps: number;
  guidanceScale: number;
  seed: number;
  memoryMode: string;
}

export interface Adjustment {
  field: string;
  from: string | number | null;
  to: string | number;
  reason: string;
}

export interface TaskError {
  code: string;
  message: string;
}

export interface TaskRecord {
  taskId: string;
  owner: string;
  model: string;
  mode: GenerationMode;
  priority: Priority;
  status: TaskStatus;
  progress: number;
  createTime: string;
  updateTime: string;
  startTime?: string;
  finishTime?: string;
  requested: RequestedParams;
  effective?: EffectiveParams;
  adjustments: Adjustment[];
  error?: TaskError;
  service?: string;
  attempts: number;
  resultBytes?: number;
  cancelRequested: boolean;
  /** Hex SHA-256 of the input image (i2v), for the result cache key. */
  imageDigest?: string;
}
