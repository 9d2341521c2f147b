import type { TaskRecord } from '@app/contracts';
import { getModelProfile } from '@app/policies';
import { framesForSeconds, parseOpenAiListQuery, secondsForFrames, toOpenAiVideo, translateOpenAiCreate } from './openai-video.js';
import { toOpenAiError } from './openai-error.filter.js';

const context = { defaultModel: 'easyanimate-v5.1-12b', enabledModels: ['easyanimate-v5.1-12b', 'opensora-2.0', 'wan2.1-t2v-1.3b'] };
const easyanimate = getModelProfile('easyanimate-v5.1-12b')!;
const opensora = getModelProfile('opensora-2.0')!;
const wan = getModelProfile('wan2.1-t2v-1.3b')!;

describe('OpenAI Videos API translation', () => {
  it.each([
    [easyanimate, 4, 32],
    [easyanimate, 6, 48],
    [easyanimate, 0.5, 4],
    [opensora, 4, 97],
    [opensora, 5, 121],
    [wan, 5, 81],
    [wan, 2.5, 41],
  ])('maps seconds to frames through the fps and frame form (%#)', (profile, seconds, frames) => {
    expect(framesForSeconds(profile, seconds, profile.defaults.fps)).toBe(frames);
    expect(secondsForFrames(profile, frames, profile.defaults.fps)).toBe(String(seconds));
  });

  it('turns size and seconds into native fields and remembers their names for errors', () => {
    const create = translateOpenAiCreate({ prompt: 'a fox', size: '512x288', seconds: '4', model: 'opensora-2.0', num_inference_steps: '20' }, undefined, context);
    expect(create).toEqual({
      body: { prompt: 'a fox', model: 'opensora-2.0', width: 512, height: 288, numFrames: 97, numInferenceSteps: 20 },
      mode: 't2v',
      names: expect.objectContaining({ width: 'size', height: 'size', numFrames: 'seconds', numInferenceSteps: 'num_inference_steps' }),
    });
  });

  it('says how long the model can make a video when seconds is out of range', () => {
    expect(translateOpenAiCreate({ prompt: 'x', seconds: 12 }, undefined, context)).toEqual([
      {
        field: 'seconds',
        message: 'easyanimate-v5.1-12b makes 0.125 to 6.125 seconds (8 fps, 1-49 frames); got 12',
        allowed: '0.125 to 6.125 seconds (8 fps, 1-49 frames)',
      },
    ]);
    expect(translateOpenAiCreate({ prompt: 'x', seconds: 'four' }, undefined, context)).toEqual([expect.objectContaining({ field: 'seconds' })]);
  });

  it('finds the image in a file, {image_url}, a form field input_reference[image_url] or a URL string', () => {
    const file = Buffer.from('png');
    expect(translateOpenAiCreate({ prompt: 'x' }, file, context)).toMatchObject({ mode: 'i2v', image: { kind: 'file', bytes: file, field: 'input_reference' } });
    for (const input of [{ input_reference: { image_url: 'https://a/b.png' } }, { 'input_reference[image_url]': 'https://a/b.png' }, { input_reference: 'https://a/b.png' }]) {
      expect(translateOpenAiCreate({ prompt: 'x', ...input }, undefined, context)).toMatchObject({ mode: 'i2v', image: { kind: 'url', url: 'https://a/b.png' } });
    }
    expect(translateOpenAiCreate({ prompt: 'x', input_reference: { file_id: 'file-1' } }, undefined, context)).toEqual([
      expect.objectContaining({ field: 'input_reference', message: expect.stringContaining('file_id') }),
    ]);
  });

  it('refuses unknown fields, unknown models, a bad size and conflicting lengths', () => {
    const problems = translateOpenAiCreate({ prompt: 'x', model: 'sora-2', size: 'big', colour: 'red' }, undefined, context) as Array<{ field: string }>;
    expect(problems.map((problem) => problem.field).sort()).toEqual(['colour', 'model', 'size']);
    expect(translateOpenAiCreate({ prompt: 'x', seconds: 2, num_frames: 9 }, undefined, context)).toEqual([expect.objectContaining({ field: 'seconds' })]);
  });

  it('shows a task as a Video: statuses, progress in percent, seconds and size of what was made', () => {
    const task: TaskRecord = {
      taskId: 't-1234567',
      owner: 'alice',
      model: 'opensora-2.0',
      mode: 't2v',
      priority: 'normal',
      status: 'CANCELLED',
      progress: 0.42,
      createTime: '2026-01-01T00:00:00.000Z',
      updateTime: '2026-01-01T00:01:00.000Z',
      finishTime: '2026-01-01T00:01:00.000Z',
      requested: { prompt: 'p', width: 336, height: 192, numFrames: 97, fps: 24, numInferenceSteps: 50, guidanceScale: 7.5 },
      adjustments: [],
      attempts: 1,
      cancelRequested: true,
      error: { code: 'cancelled', message: 'cancelled by the client' },
    };
    expect(toOpenAiVideo(task)).toEqual({
      id: 't-1234567',
      object: 'video',
      model: 'opensora-2.0',
      status: 'failed',
      progress: 42,
      created_at: 1767225600,
      completed_at: 1767225660,
      expires_at: null,
      prompt: 'p',
      remixed_from_video_id: null,
      seconds: '4',
      size: '336x192',
      error: { code: 'cancelled', message: 'cancelled by the client' },
    });
    expect(toOpenAiVideo({ ...task, status: 'PENDING', error: undefined })).toMatchObject({ status: 'queued', completed_at: null, error: null });
    expect(toOpenAiVideo({ ...task, status: 'PROCESSING', error: undefined })).toMatchObject({ status: 'in_progress' });
  });

  it('reads list queries', () => {
    expect(parseOpenAiListQuery({})).toEqual({ limit: 20, order: 'desc' });
    expect(parseOpenAiListQuery({ limit: '5', order: 'asc', after: 'abc' })).toEqual({ limit: 5, order: 'asc', after: 'abc' });
    expect((parseOpenAiListQuery({ limit: '0', order: 'up' }) as Array<{ field: string }>).map((p) => p.field)).toEqual(['limit', 'order']);
  });

  it("writes problems in OpenAI's error shape", () => {
    const validation = toOpenAiError({
      type: 'https://video-gateway.dev/problems/validation',
      title: 'Request parameters are not valid',
      status: 422,
      errors: [{ field: 'seconds', message: 'too long' }],
    });
    expect(validation).toEqual({ status: 400, body: { error: { message: 'seconds: too long', type: 'invalid_request_error', param: 'seconds', code: 'invalid_value' } } });
    expect(toOpenAiError({ type: 'about:blank', title: 'Unauthorized', status: 401 }).body.error).toMatchObject({ code: 'invalid_api_key', param: null });
    expect(toOpenAiError({ type: 'https://video-gateway.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, detail: 'slow down' }).body.error).toEqual({
      message: 'slow down',
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_exceeded',
    });
    expect(toOpenAiError({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'quote error id x' }).body.error.type).toBe('server_error');
  });
});
