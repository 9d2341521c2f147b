import { createWriteStream } from 'node:fs';
import { Agent } from 'node:http';
import { pipeline } from 'node:stream/promises';
import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { ModelServiceCreateRequest, ModelServiceHealth, ModelServiceVideo } from '@app/contracts';
import { withRequestIdHeader } from '@app/observability';
import { PermanentJobError, ServiceBusyError, TransientJobError } from '../jobs/job-errors.js';

const LONG_POLL_SECONDS = 10;

/** HTTP calls to one model service (model-service/app/main.py); maps its answers onto job errors. */
export class ModelServiceClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      validateStatus: () => true,
      httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }),
    });
    this.http.interceptors.request.use(withRequestIdHeader); // X-Request-Id of the job being run, for the service's logs
  }

  async health(timeoutMs: number): Promise<ModelServiceHealth> {
    const response = await this.http.get<ModelServiceHealth>('/health', { timeout: timeoutMs });
    if (typeof response.data !== 'object' || response.data === null || !('status' in response.data)) {
      throw new Error(`unexpected /health answer (HTTP ${response.status})`);
    }
    return response.data;
  }

  /** Starts the job, or returns it when this id already runs there (re-attach after a dispatcher restart). */
  async create(request: ModelServiceCreateRequest): Promise<ModelServiceVideo> {
    const response = await this.call(() => this.http.post<ModelServiceVideo>('/v1/videos', request));
    if (response.status === 200 || response.status === 201 || response.status === 202) return response.data;
    throw this.errorFor(response, 'create');
  }

  /** Long-polls until the job changes past `afterRevision`, or a few seconds pass. */
  async waitForChange(id: string, afterRevision: number, signal?: AbortSignal): Promise<ModelServiceVideo> {
    const response = await this.call(() =>
      this.http.get<ModelServiceVideo>(`/v1/videos/${encodeURIComponent(id)}`, {
        params: { wait: LONG_POLL_SECONDS, after_revision: afterRevision },
        timeout: LONG_POLL_SECONDS * 1000 + this.timeoutMs,
        signal,
      }),
    );
    if (response.status === 200) return response.data;
    if (response.status === 404) throw new TransientJobError('job_lost', `${this.baseUrl} no longer knows job ${id} (restarted?)`);
    throw this.errorFor(response, 'poll');
  }

  /** The job as the service knows it now, or null when it does not know the id. */
  async find(id: string): Promise<ModelServiceVideo | null> {
    const response = await this.call(() => this.http.get<ModelServiceVideo>(`/v1/videos/${encodeURIComponent(id)}`));
    if (response.status === 200) return response.data;
    if (response.status === 404) return null;
    throw this.errorFor(response, 'find');
  }

  async cancel(id: string): Promise<void> {
    await this.call(() => this.http.delete(`/v1/videos/${encodeURIComponent(id)}`));
  }

  /** Drops the finished job and its file on the service once the result is safely stored here. */
  async forget(id: string): Promise<void> {
    await this.http.delete(`/v1/videos/${encodeURIComponent(id)}`, { params: { forget: true } }).catch(() => undefined);
  }

  async download(id: string, destination: string): Promise<void> {
    const response = await this.call(() =>
      this.http.get(`/v1/videos/${encodeURIComponent(id)}/content`, { responseType: 'stream', timeout: 5 * 60_000 }),
    );
    if (response.status !== 200) {
      response.data?.resume?.();
      throw new TransientJobError('download_failed', `${this.baseUrl} answered ${response.status} for the video of ${id}`);
    }
    await pipeline(response.data, createWriteStream(destination));
  }

  private async call<T>(request: () => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
    try {
      return await request();
    } catch (error) {
      if (isAxiosError(error) && error.code === 'ERR_CANCELED') throw error;
      const reason = isAxiosError(error) ? (error.code ?? error.message) : String(error);
      throw new TransientJobError('unreachable', `${this.baseUrl} unreachable: ${reason}`);
    }
  }

  private errorFor(response: AxiosResponse, action: string): Error {
    const body = response.data as { detail?: string; current_job?: string | null; errors?: Array<{ field: string; message: string }> } | undefined;
    const detail = body?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ') || body?.detail || `HTTP ${response.status}`;
    if (response.status === 422 || response.status === 400) return new PermanentJobError('invalid_input', detail);
    if (response.status === 409) return new ServiceBusyError(this.baseUrl, body?.current_job ?? null);
    return new TransientJobError(`http_${response.status}`, `${action} on ${this.baseUrl} failed: ${detail}`);
  }
}
