/** The task model every API (native, OpenAI, compat) reads and writes. */
export const TASK_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED']);

export type GenerationMode = 't2v' | 'i2v';
export type Priority = 'low' | 'normal' | 'high';

/** The generation settings every model family takes (the VRAM policy's and the validator's unit). */
export interface GenerationParams {
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  numInferenceSteps: number;
  guidanceScale: number;
  seed?: number;
}

/** What the caller asked for, after validation and defaults. */
export interface RequestedParams extends GenerationParams {
  prompt: string;
  negativePrompt?: string;
}

/** What a model service ran: the requested settings as fitted to its GPU, with the seed it drew. */
export interface EffectiveParams extends GenerationParams {
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
  /** Result layer (issue 6). The stored video this task shows, when it is another task's (cache hit, coalesced). */
  resultKey?: string;
  /** Answered from the result cache: no GPU was used. */
  cached?: boolean;
  /** canonicalRequestKey of the request; set on a task that leads a coalescing group. */
  requestKey?: string;
  /** Its result goes into the result cache once it completes. */
  cacheable?: boolean;
  /** A coalesced follower: the task whose GPU job it waits for. */
  leaderId?: string;
  /** A leader whose own caller cancelled while other callers still wait for its job: CANCELLED to that caller. */
  detached?: boolean;
  callbackUrl?: string;
  webhook?: WebhookDelivery;
}

/** Delivery attempts of a task's webhook, as its status shows them. */
export interface WebhookDelivery {
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}
