import { WAN21_I2V_14B_480P, WAN21_I2V_14B_720P } from '@app/policies';
import type { TaskView } from '../../video/task-view.js';
import { readRequestId, toWanStatus, translateWanSubmit } from './wan-request.js';

const example = {
  prompt: 'A white cat wearing sunglasses sits on a surfboard at the beach',
  image_url: 'https://example.com/input.jpg',
  image_size: '1280*720',
  num_frames: 81,
  guidance_scale: 3.0,
  infer_steps: 30,
  seed: 42,
  negative_prompt: 'blurry, low quality',
  vae_parallel: true,
  ulysses_size: 8,
  dit_fsdp: true,
  t5_fsdp: true,
  use_attentioncache: true,
  start_step: 12,
  attentioncache_interval: 4,
  end_step: 37,
  sample_solver: 'unipc',
};

describe('Wan2.1 API translation (seeds/001)', () => {
  it("reads the seed's full request example, passing the distributed and cache options on in extra", () => {
    expect(translateWanSubmit(example, WAN21_I2V_14B_720P)).toEqual({
      body: {
        model: 'wan2.1-i2v-14b-720p',
        prompt: example.prompt,
        negativePrompt: 'blurry, low quality',
        width: 1280,
        height: 720,
        numFrames: 81,
        numInferenceSteps: 30,
        guidanceScale: 3,
        seed: 42,
      },
      mode: 'i2v',
      image: { kind: 'url', url: 'https://example.com/input.jpg', field: 'image_url' },
      extra: { vae_parallel: true, dit_fsdp: true, t5_fsdp: true, use_attentioncache: true, ulysses_size: 8, start_step: 12, attentioncache_interval: 4, end_step: 37, sample_solver: 'unipc' },
      names: expect.objectContaining({ width: 'image_size', numFrames: 'num_frames', numInferenceSteps: 'infer_steps' }),
    });
  });

  it("fills the seed's defaults and the model's size", () => {
    const create = translateWanSubmit({ prompt: 'a swan on a lake', image_url: 'https://x/y.png', sample_shift: 3 }, WAN21_I2V_14B_480P);
    expect(create).toMatchObject({ body: { width: 832, height: 480, numFrames: 81, numInferenceSteps: 30, guidanceScale: 3 }, extra: { sample_shift: 3 } });
    expect(translateWanSubmit({ prompt: 'a swan on a lake' }, WAN21_I2V_14B_720P)).toMatchObject({ mode: 't2v' }); // refused later: the model needs an image
  });

  it('checks the ranges and names the fields', () => {
    const problems = translateWanSubmit(
      { prompt: 'short', image_size: '1920*1080', num_frames: 130, guidance_scale: 0.5, infer_steps: 19, seed: -1, negative_prompt: 'n'.repeat(501), ulysses_size: 1.5, vae_parallel: 'yes', sample_solver: 'euler', start_step: 30, end_step: 10 },
      WAN21_I2V_14B_720P,
    ) as Array<{ field: string }>;
    expect(problems.map((p) => p.field).sort()).toEqual([
      'end_step',
      'guidance_scale',
      'image_size',
      'infer_steps',
      'negative_prompt',
      'num_frames',
      'prompt',
      'sample_solver',
      'seed',
      'ulysses_size',
      'vae_parallel',
    ]);
  });

  it('shows a task in its status words with epoch seconds', () => {
    const view = {
      taskId: 'req-12345678',
      status: 'COMPLETED',
      progress: 1,
      queuePosition: null,
      createTime: '2023-12-29T11:00:00.123Z',
      updateTime: '2023-12-29T11:02:00.456Z',
      error: null,
    } as TaskView;
    expect(toWanStatus(view, '')).toEqual({
      status: 'Succeed',
      reason: null,
      results: { video_url: '/compat/wan/videos/req-12345678.mp4' },
      queue_position: null,
      progress: 1,
      created_at: 1703847600.123,
      updated_at: 1703847720.456,
    });
    expect(toWanStatus({ ...view, status: 'PENDING', progress: 0, queuePosition: 2 }, '')).toMatchObject({ status: 'InQueue', queue_position: 2, results: null });
    expect(toWanStatus({ ...view, status: 'PROCESSING', progress: 0.5 }, '')).toMatchObject({ status: 'InProgress', progress: 0.5 });
    expect(toWanStatus({ ...view, status: 'FAILED', error: { code: 'backend_error', message: 'boom' } }, '')).toMatchObject({ status: 'Failed', reason: 'backend_error: boom' });
    expect(toWanStatus({ ...view, status: 'CANCELLED', error: { code: 'cancelled', message: 'by you' } }, '')).toMatchObject({ status: 'Cancelled' });
  });

  it('reads requestId bodies', () => {
    expect(readRequestId({ requestId: 'a1b2c3d4e5f6' })).toBe('a1b2c3d4e5f6');
    expect(readRequestId({})).toEqual([expect.objectContaining({ field: 'requestId' })]);
    expect(readRequestId({ requestId: '../../etc' })).toEqual([expect.objectContaining({ field: 'requestId' })]);
  });
});
