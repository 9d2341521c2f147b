/** The model service's HTTP contract (model-service/app/main.py), as the dispatcher sees it. */
export type ModelServiceState = 'STARTING' | 'READY' | 'BUSY' | 'FAILED';

export interface ModelServiceHealth {
  status: ModelServiceState;
  backend: string;
  model: string;
  device: string;
  vram_total_bytes: number;
  vram_free_bytes: number;
  current_job: string | null;
  jobs_completed: number;
  error: string | null;
  version?: string;
}

export type ModelServiceJobStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

export interface ModelServiceVideo {
  id: string;
  object: 'video';
  model: string;
  status: ModelServiceJobStatus;
  progress: number;
  steps_done: number;
  num_inference_steps: number;
  revision: number;
  created_at: number;
  completed_at: number | null;
  width: number;
  height: number;
  num_frames: number;
  fps: number;
  seed: number | null;
  memory_mode: string | null;
  error: { code: string; message: string } | null;
  output_bytes: number | null;
}

export interface ModelServiceCreateRequest {
  id: string;
  model: string;
  prompt: string;
  negative_prompt: string | null;
  width: number;
  height: number;
  num_frames: number;
  fps: number;
  num_inference_steps: number;
  guidance_scale: number;
  seed: number | null;
  memory_mode: string | null;
  image_base64: string | null;
  extra: Record<string, unknown> | null;
}
