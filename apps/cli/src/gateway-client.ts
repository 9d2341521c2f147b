import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A failure to show the user as it is (no stack trace); exitCode 1 unless said otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The parts of the native task view the CLI shows. */
export interface Task {
  taskId: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  progress: number;
  queuePosition: number | null;
  model: string;
  mode: string;
  requested: { prompt: string; width: number; height: number; numFrames: number; numInferenceSteps: number; seed?: number };
  effective: { width: number; height: number; numFrames: number; numInferenceSteps: number; seed: number; memoryMode: string } | null;
  adjustments: Array<{ field: string; from: unknown; to: unknown; reason: string }>;
  error: { code: string; message: string } | null;
  createTime: string;
  finishTime: string | null;
  resultUrl: string | null;
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; message: string; allowed?: string }>;
}

/** The gateway's public, native API (/api/video/...), as any client would call it. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async submit(fields: Record<string, string | number>, image?: { file: string } | { url: string }): Promise<Task> {
    let body: string | FormData;
    const headers: Record<string, string> = {};
    if (image && 'file' in image) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
      const bytes = await readFile(image.file).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`cannot read --image ${image.file}: ${error.code ?? error.message}`);
      });
      form.append('image', new Blob([new Uint8Array(bytes)]), basename(image.file));
      body = form;
    } else {
      body = JSON.stringify({ ...fields, ...(image ? { imageUrl: image.url } : {}) });
      headers['content-type'] = 'application/json';
    }
    return (await this.call('POST', '/api/video/generate', { body, headers })).json() as Promise<Task>;
  }

  async status(taskId: string): Promise<Task> {
    return (await this.call('GET', `/api/video/status/${encodeURIComponent(taskId)}`)).json() as Promise<Task>;
  }

  async cancel(taskId: string): Promise<{ task: Task; stopping: boolean }> {
    const response = await this.call('DELETE', `/api/video/${encodeURIComponent(taskId)}`);
    return { task: (await response.json()) as Task, stopping: response.status === 202 };
  }

  /** Streams the MP4 to `path`; returns its size in bytes. */
  async download(taskId: string, path: string): Promise<number> {
    const response = await this.call('GET', `/api/video/result/${encodeURIComponent(taskId)}`);
    if (!response.body) throw new CliError('the gateway sent no video');
    let bytes = 0;
    const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    counted.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(counted, createWriteStream(path));
    return bytes;
  }

  private async call(method: string, path: string, init: { body?: string | FormData; headers?: Record<string, string> } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        body: init.body,
        headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...init.headers },
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the gateway at ${this.baseUrl} (${cause?.code ?? cause?.message ?? String(error)}); set VIDEOGW_URL`);
    }
    if (response.ok) return response;
    throw await problemError(response, Boolean(this.token));
  }
}

/** problem+json turned into lines a person can act on. */
async function problemError(response: Response, hadToken: boolean): Promise<CliError> {
  const text = await response.text();
  let problem: Problem = {};
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = { detail: text.slice(0, 200) };
  }
  const lines = [`${response.status} ${problem.title ?? response.statusText}${problem.detail && !problem.errors?.length ? `: ${problem.detail}` : ''}`];
  for (const error of problem.errors ?? []) lines.push(`  ${error.field}: ${error.message}${error.allowed ? ` (allowed: ${error.allowed})` : ''}`);
  if (response.status === 401) lines.push(hadToken ? '  the token in VIDEOGW_TOKEN was refused (expired, or signed with another key?)' : '  set VIDEOGW_TOKEN (e.g. export VIDEOGW_TOKEN=$(videogw token --sub you))');
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter) lines.push(`  retry in ${retryAfter} s`);
  return new CliError(lines.join('\n'));
}
