import { writeFile } from 'node:fs/promises';
import { waitFor } from './processes.js';

export interface TaskBody {
  taskId: string;
  status: string;
  progress: number;
  queuePosition: number | null;
  effective: { width: number; height: number; numFrames: number; memoryMode: string } | null;
  adjustments: Array<{ field: string; from: unknown; to: unknown; reason: string }>;
  resultUrl: string | null;
  error: { code: string; message: string } | null;
  [key: string]: unknown;
}

/** A thin client of the native API, as a business application would use it. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async submit(body: Record<string, unknown>): Promise<TaskBody> {
    const response = await this.request('POST', '/api/video/generate', body);
    if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as TaskBody;
  }

  async status(taskId: string): Promise<TaskBody> {
    const response = await this.request('GET', `/api/video/status/${taskId}`);
    if (response.status !== 200) throw new Error(`status answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as TaskBody;
  }

  async waitForStatus(taskId: string, wanted: string | ((task: TaskBody) => boolean), timeoutMs = 60_000): Promise<TaskBody> {
    const matches = typeof wanted === 'string' ? (task: TaskBody) => task.status === wanted : wanted;
    let last: TaskBody | undefined;
    try {
      return await waitFor(`task ${taskId}`, async () => {
        last = await this.status(taskId);
        return matches(last) ? last : undefined;
      }, timeoutMs, 100);
    } catch (error) {
      throw new Error(`${String(error)}; last status: ${JSON.stringify(last)}`);
    }
  }

  async download(taskId: string, path: string): Promise<Response> {
    const response = await this.request('GET', `/api/video/result/${taskId}`);
    if (response.status === 200) await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return response;
  }
}
