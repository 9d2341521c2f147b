import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, type GatewayClient, type Task } from '../gateway-client.js';
import { progressView } from '../progress.js';

export const GENERATE_USAGE = `videogw generate "prompt" [options]
  --model <id>          model (default: the gateway's DEFAULT_MODEL)
  --width <px>          --height <px>
  --frames <n>          number of frames
  --steps <n>           denoising steps
  --seed <n>            fixed seed (same seed, same video)
  --fps <n>             --guidance <x>   --negative "<text>"   --priority low|normal|high
  --image <file|url>    image-to-video: a PNG/JPEG/WebP file (uploaded) or an http(s)/data: URL
  --out <file.mp4>      where to save the video (default: <task id>.mp4)
  --no-wait             print the task id and return without waiting`;

const NUMBER_OPTIONS = { width: 'width', height: 'height', frames: 'numFrames', steps: 'numInferenceSteps', seed: 'seed', fps: 'fps', guidance: 'guidanceScale' } as const;
const POLL_MS = 500;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED']);

export async function generate(client: GatewayClient, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      frames: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      fps: { type: 'string' },
      guidance: { type: 'string' },
      negative: { type: 'string' },
      priority: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
    },
  });
  const prompt = positionals.join(' ').trim();
  if (!prompt) throw new CliError(`a prompt is required\n\n${GENERATE_USAGE}`, 2);
  const fields: Record<string, string | number> = { prompt };
  for (const [option, field] of Object.entries(NUMBER_OPTIONS)) {
    const text = values[option as keyof typeof NUMBER_OPTIONS];
    if (text === undefined) continue;
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) throw new CliError(`--${option} must be a number (got "${text}")`, 2);
    fields[field] = number;
  }
  if (values.model) fields.model = values.model;
  if (values.negative) fields.negativePrompt = values.negative;
  if (values.priority) fields.priority = values.priority;
  const image = values.image === undefined ? undefined : /^(https?:|data:)/i.test(values.image) ? { url: values.image } : { file: values.image };

  const submitted = await client.submit(fields, image);
  process.stderr.write(`task ${submitted.taskId} (${submitted.model}, ${submitted.mode}) queued\n`);
  if (values['no-wait']) {
    process.stdout.write(`${submitted.taskId}\n`);
    return;
  }
  const stopOnInterrupt = () => {
    process.stderr.write(`\ncancelling ${submitted.taskId}...\n`);
    client.cancel(submitted.taskId).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnInterrupt);
  try {
    const finished = await follow(client, submitted);
    if (finished.status !== 'COMPLETED') {
      const why = finished.error ? `${finished.error.code}: ${finished.error.message}` : finished.status.toLowerCase();
      throw new CliError(`task ${finished.taskId} ${finished.status}: ${why}`);
    }
    for (const adjustment of finished.adjustments) process.stderr.write(`adjusted ${adjustment.field} ${String(adjustment.from)} → ${String(adjustment.to)}: ${adjustment.reason}\n`);
    const out = resolve(values.out ?? `${finished.taskId}.mp4`);
    const bytes = await client.download(finished.taskId, out);
    process.stderr.write(`saved ${bytes} bytes\n`);
    process.stdout.write(`${out}\n`);
  } finally {
    process.removeListener('SIGINT', stopOnInterrupt);
  }
}

/** Polls the status until the task ends, showing its place in the queue, then the denoising step. */
async function follow(client: GatewayClient, task: Task): Promise<Task> {
  const view = progressView();
  let current = task;
  view.update(current);
  try {
    while (!TERMINAL.has(current.status)) {
      await new Promise((resolveTimer) => setTimeout(resolveTimer, POLL_MS));
      current = await client.status(current.taskId);
      view.update(current);
    }
  } finally {
    view.stop();
  }
  return current;
}
