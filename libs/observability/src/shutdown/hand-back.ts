import type { Queue } from 'bull';

/**
 * Stops a Bull worker on shutdown: it takes no new job at once; a running job gets `graceMs` to finish.
 * After that `handBack` runs (it puts the running jobs back in the queue, so another dispatcher re-attaches
 * to the same model-service job at once: POST /v1/videos with the same id), then the queue closes without
 * waiting. Should `handBack` fail, nothing is lost either: the job's lock is no longer renewed, and once it
 * lapses Bull's stalled-job check (in another dispatcher) puts the job back.
 */
export async function closeWithGrace(queue: Queue, graceMs: number, handBack: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    queue.pause(true, false).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!finished) await handBack();
  await queue.close(!finished);
}
