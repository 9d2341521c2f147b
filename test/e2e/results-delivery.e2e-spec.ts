import { createHmac } from 'node:crypto';
import { Api, type TaskBody } from '../support/api.js';
import { TestStack, tokenFor } from '../support/stack.js';

const SHARE_SECRET = 'share-links-secret-for-e2e-tests';
const TINY = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 };

/** Reads a Server-Sent Events stream to its end; each event's data is a task status. */
async function readEvents(response: Response): Promise<TaskBody[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'))
    .filter((data) => data.length > 0)
    .map((data) => JSON.parse(data) as TaskBody);
}

/** Share links (signed, token-free, Range) and live progress over SSE, on real processes. */
describe('results: share links and live events', () => {
  const stack = new TestStack({ THROTTLE_ENABLED: 'false', SHARE_LINK_SECRET: SHARE_SECRET, SSE_POLL_INTERVAL_MS: '50', LOG_LEVEL: 'warn' });
  let alice: Api;
  let completed: TaskBody;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 30 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
    completed = await alice.waitForStatus((await alice.submit({ prompt: 'a shared sunset', ...TINY, seed: 3 })).taskId, 'COMPLETED');
  });
  afterAll(() => stack.stop());

  const sign = (taskId: string, expires: number) => createHmac('sha256', SHARE_SECRET).update(`${taskId}.${expires}`).digest('base64url');

  it('gives a completed task a share link that plays without a token, with Range', async () => {
    expect(completed.resultUrl).toBe(`/api/video/result/${completed.taskId}`);
    const shareUrl = completed.shareUrl as string;
    expect(shareUrl).toMatch(new RegExp(`^/api/video/share/${completed.taskId}\\?expires=\\d+&sig=[\\w-]+$`));

    const whole = await fetch(`${stack.baseUrl}${shareUrl}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const size = (await whole.arrayBuffer()).byteLength;
    expect(size).toBe(Number(whole.headers.get('content-length')));

    const partial = await fetch(`${stack.baseUrl}${shareUrl}`, { headers: { range: 'bytes=10-' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 10-${size - 1}/${size}`);
    expect((await partial.arrayBuffer()).byteLength).toBe(size - 10);
    expect((await fetch(`${stack.baseUrl}${shareUrl}`, { headers: { range: `bytes=${size}-` } })).status).toBe(416);
  });

  it('refuses a tampered or expired link with 403 problem+json', async () => {
    const url = new URL(completed.shareUrl as string, stack.baseUrl);
    const expires = Number(url.searchParams.get('expires'));
    const sig = url.searchParams.get('sig')!;
    const other = await alice.submit({ prompt: 'another task', ...TINY, seed: 4 });
    const attempts = [
      `/api/video/share/${completed.taskId}?expires=${expires + 3600}&sig=${sig}`, // longer life
      `/api/video/share/${completed.taskId}?expires=${expires}&sig=${sig.slice(0, -2)}xx`, // forged signature
      `/api/video/share/${other.taskId}?expires=${expires}&sig=${sig}`, // another task
      `/api/video/share/${completed.taskId}?expires=${expires}`, // no signature
    ];
    for (const path of attempts) {
      const response = await fetch(`${stack.baseUrl}${path}`);
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const past = Math.floor(Date.now() / 1000) - 5;
    const expired = await fetch(`${stack.baseUrl}/api/video/share/${completed.taskId}?expires=${past}&sig=${sign(completed.taskId, past)}`);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { type: string }).type).toMatch(/share-link-expired$/);
    // The signature scheme is what the README says: a link signed with the secret works.
    const future = Math.floor(Date.now() / 1000) + 60;
    expect((await fetch(`${stack.baseUrl}/api/video/share/${completed.taskId}?expires=${future}&sig=${sign(completed.taskId, future)}`)).status).toBe(200);
  });

  it('streams a task from PENDING (with its queue position) through progress to COMPLETED, then ends', async () => {
    const blocker = await alice.submit({ prompt: 'keeps the GPU busy', ...TINY, numInferenceSteps: 20 });
    await alice.waitForStatus(blocker.taskId, 'PROCESSING');
    const watched = await alice.submit({ prompt: 'watched live', ...TINY, numInferenceSteps: 12 });

    const response = await alice.request('GET', `/api/video/status/${watched.taskId}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(response);

    expect(events[0]).toMatchObject({ taskId: watched.taskId, status: 'PENDING', queuePosition: 1 });
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 1 });
    expect(events.at(-1)!.resultUrl).toBe(`/api/video/result/${watched.taskId}`);
    const processing = events.filter((event) => event.status === 'PROCESSING');
    expect(processing.length).toBeGreaterThan(0);
    const progress = events.map((event) => event.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(events.filter((event) => event.status === 'COMPLETED')).toHaveLength(1);
  });

  it('ends at once for a finished task, and keeps tenancy and authentication', async () => {
    const events = await readEvents(await alice.request('GET', `/api/video/status/${completed.taskId}/events`));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'COMPLETED' });

    const bob = new Api(stack.baseUrl, tokenFor('bob'));
    const foreign = await bob.request('GET', `/api/video/status/${completed.taskId}/events`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${stack.baseUrl}/api/video/status/${completed.taskId}/events`)).status).toBe(401);
  });
});
