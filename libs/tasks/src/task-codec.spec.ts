import type { TaskRecord } from '@app/contracts';
import { decodeTask, encodeTaskFields } from './task-codec.js';

const task: TaskRecord = {
  taskId: 'abc12345',
  owner: 'alice',
  model: 'easyanimate-v5.1-12b',
  mode: 't2v',
  priority: 'normal',
  status: 'PENDING',
  progress: 0.25,
  createTime: '2026-01-01T00:00:00.000Z',
  updateTime: '2026-01-01T00:00:00.000Z',
  requested: { prompt: 'a cat', width: 512, height: 512, numFrames: 25, fps: 8, numInferenceSteps: 50, guidanceScale: 5 },
  adjustments: [{ field: 'width', from: 1008, to: 672, reason: 'VRAM' }],
  attempts: 1,
  cancelRequested: false,
};

describe('task codec', () => {
  it('round-trips a task through Redis hash fields', () => {
    expect(decodeTask(encodeTaskFields(task))).toEqual(task);
  });

  it('treats an empty hash as a missing task', () => {
    expect(decodeTask({})).toBeNull();
  });

  it('skips undefined fields so a patch leaves the others alone', () => {
    expect(encodeTaskFields({ progress: 0.5, error: undefined })).toEqual({ progress: '0.5' });
  });
});
