/**
 * `npm run bench`, result-cache part: a cache hit needs one finished render. primeCacheEntry() runs it on a
 * real model service and dispatcher; then every identical submit is answered from the cache (no queue, no
 * GPU). bench/http.ts compares its rate with the status GET's in the same run (issue 6 aims at >= 0.8).
 */
import { Api } from '../test/support/api.js';
import type { TestStack } from '../test/support/stack.js';

/** A seeded request (only seeded requests are cached by default), tiny so the priming render is quick. */
export const CACHE_HIT_BODY = {
  prompt: 'a red fox running through fresh snow at dawn, cinematic',
  width: 256,
  height: 256,
  numFrames: 3,
  numInferenceSteps: 2,
  seed: 1234,
};

/**
 * Makes `body` a cache hit on the running gateway of `stack`: starts a model service and a dispatcher (unless
 * the stack already runs them), submits `body`, waits for COMPLETED and stops what it started. Afterwards
 * every identical submit with the same settings answers COMPLETED with `cached: true`. Returns the render's task.
 */
export async function primeCacheEntry(stack: TestStack, token: string, body: Record<string, unknown> = CACHE_HIT_BODY): Promise<string> {
  const startedService = stack.modelServices.length === 0;
  if (startedService) await stack.startModelService({ stepDelayMs: 5 });
  const startedDispatcher = !stack.dispatcher?.running;
  if (startedDispatcher) await stack.startDispatcher({ MODEL_SERVICES: stack.modelServices.map((service) => service.url).join(',') });
  const api = new Api(stack.baseUrl, token);
  const { taskId } = await api.submit(body);
  await api.waitForStatus(taskId, 'COMPLETED', 60_000);
  const hit = await api.submit(body);
  if (hit.cached !== true) throw new Error(`the primed request is not a cache hit: ${JSON.stringify(hit)}`);
  if (startedDispatcher) await stack.dispatcher?.stop();
  if (startedService) for (const service of stack.modelServices.splice(0)) await service.process.stop();
  return taskId;
}
