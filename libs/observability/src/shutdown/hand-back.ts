import type { Queue } from 'bull';

export type CloseOutcome = 'finished' | 'handed-back';

/**
 * Stops a Bull worker on shutdown: it takes no new job at once; a running job gets `graceMs` to finish.
 * After that the queue closes without waiting: the job's lock is no longer renewed, so once it lapses
 * Bull's stalled-job check (in another dispatcher) puts the job back in the queue, and the next
 * dispatcher re-attaches to the same model-service job (POST /v1/videos with the same id). Nothing is lost.
 */
export async function closeWithGrace(queue: Queue, graceMs: number): Promise<CloseOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    queue.pause(true, false).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]).finally(() => clearTimeout(timer));
  await queue.close(!finished);
  return finished ? 'finished' : 'handed-back';
}
