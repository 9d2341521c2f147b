import cliProgress from 'cli-progress';
import type { Task } from './gateway-client.js';

/** Where a task stands, as one line: its place in the queue while waiting, then the denoising step. */
export function describe(task: Task): { phase: string; detail: string } {
  if (task.status === 'PENDING') return { phase: 'queued', detail: task.queuePosition ? `queue position ${task.queuePosition}` : 'waiting for a GPU' };
  const steps = task.effective?.numInferenceSteps ?? task.requested.numInferenceSteps;
  const step = Math.min(steps, Math.round(task.progress * steps));
  return { phase: task.status === 'PROCESSING' ? 'generating' : task.status.toLowerCase(), detail: `step ${step}/${steps}` };
}

export interface ProgressView {
  update(task: Task): void;
  stop(): void;
}

/** A cli-progress bar on a terminal; on a pipe or a log file, one plain line each time the phase or step changes. */
export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (!stream.isTTY) {
    let last = '';
    return {
      update(task) {
        const { phase, detail } = describe(task);
        const line = `${phase}: ${detail} (${Math.round(task.progress * 100)}%)`;
        if (line !== last) stream.write(`${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {percentage}% {detail}', stream, hideCursor: true, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(task) {
      const { phase, detail } = describe(task);
      const payload = { phase: phase.padEnd(10), detail };
      const value = Math.round(task.progress * 100);
      if (!started) bar.start(100, value, payload);
      else bar.update(value, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
