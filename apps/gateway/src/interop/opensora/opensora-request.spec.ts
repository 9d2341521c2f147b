import { OPENSORA_2_0 } from '@app/policies';
import type { TaskView } from '../../video/task-view.js';
import { toOpenSoraJob, translateOpenSoraGenerate } from './opensora-request.js';

describe('Open-Sora job API translation (seeds/000)', () => {
  it("fills the seed's defaults: 256px, 16:9, 49 frames, motion 4, 50 steps, t2v", () => {
    expect(translateOpenSoraGenerate({ prompt: 'ocean waves at sunset' }, OPENSORA_2_0)).toEqual({
      body: { model: 'opensora-2.0', prompt: 'ocean waves at sunset', width: 336, height: 192, numFrames: 49, numInferenceSteps: 50 },
      mode: 't2v',
      extra: { resolution: '256px', aspect_ratio: '16:9', motion_score: 4, cond_type: 't2v' },
      names: expect.objectContaining({ numFrames: 'num_frames', numInferenceSteps: 'num_steps' }),
    });
  });

  it.each([
    ['768px', '9:16', [576, 1024]],
    ['256px', '1:1', [256, 256]],
    ['768px', '2.39:1', [1184, 496]],
  ])('maps %s %s to Open-Sora 2.0 pixel sizes', (resolution, aspect_ratio, [width, height]) => {
    expect(translateOpenSoraGenerate({ prompt: 'p', resolution, aspect_ratio, seed: 9 }, OPENSORA_2_0)).toMatchObject({ body: { width, height, seed: 9 } });
  });

  it('checks the ranges: motion_score 1-7, num_steps 10-100, resolution, aspect_ratio, cond_type', () => {
    const problems = translateOpenSoraGenerate(
      { prompt: 'p', motion_score: 0, num_steps: 101, resolution: '1080p', aspect_ratio: '4:3', cond_type: 'v2v_head_half', num_frames: 4.5 },
      OPENSORA_2_0,
    ) as Array<{ field: string }>;
    expect(problems.map((p) => p.field).sort()).toEqual(['aspect_ratio', 'cond_type', 'motion_score', 'num_frames', 'num_steps', 'resolution']);
    expect(translateOpenSoraGenerate([], OPENSORA_2_0)).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('makes i2v_head image-to-video with image_url, and requires it', () => {
    expect(translateOpenSoraGenerate({ prompt: 'p', cond_type: 'i2v_head', image_url: 'https://x/y.png' }, OPENSORA_2_0)).toMatchObject({
      mode: 'i2v',
      image: { kind: 'url', url: 'https://x/y.png', field: 'image_url' },
      extra: { cond_type: 'i2v_head' },
    });
    expect(translateOpenSoraGenerate({ prompt: 'p', cond_type: 'i2v_head' }, OPENSORA_2_0)).toEqual([expect.objectContaining({ field: 'image_url' })]);
    expect(translateOpenSoraGenerate({ prompt: 'p', image_url: 'https://x/y.png' }, OPENSORA_2_0)).toEqual([expect.objectContaining({ field: 'image_url' })]);
  });

  it('shows a task as a job: status words, video_url once completed, error text otherwise', () => {
    const view = {
      taskId: 'job-12345678',
      status: 'COMPLETED',
      progress: 1,
      queuePosition: null,
      createTime: '2026-03-06T12:00:00.000Z',
      startTime: '2026-03-06T12:00:01.000Z',
      finishTime: '2026-03-06T12:01:05.123Z',
      error: null,
    } as TaskView;
    expect(toOpenSoraJob(view, '')).toEqual({
      job_id: 'job-12345678',
      status: 'completed',
      video_url: '/compat/opensora/v1/videos/job-12345678',
      error: null,
      created_at: '2026-03-06T12:00:00.000Z',
      started_at: '2026-03-06T12:00:01.000Z',
      completed_at: '2026-03-06T12:01:05.123Z',
      progress: 1,
      queue_position: null,
    });
    expect(toOpenSoraJob({ ...view, status: 'PENDING', queuePosition: 3, finishTime: null }, 'https://gw')).toMatchObject({ status: 'pending', video_url: null, queue_position: 3 });
    expect(toOpenSoraJob({ ...view, status: 'FAILED', error: { code: 'oom', message: 'out of memory' } }, '')).toMatchObject({ status: 'failed', error: 'oom: out of memory', video_url: null });
    expect(toOpenSoraJob({ ...view, status: 'CANCELLED', error: null }, '')).toMatchObject({ status: 'failed', error: 'cancelled' });
  });
});
