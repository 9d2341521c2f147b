import type { TaskRecord } from '@app/contracts';
import { followerFields, presentTask, resultKeyOf } from './task-presentation.js';

const base: TaskRecord = {
  taskId: 'follower-1',
  owner: 'bob',
  model: 'easyanimate-v5.1-12b',
  mode: 't2v',
  priority: 'normal',
  status: 'PENDING',
  progress: 0,
  createTime: '2026-01-01T00:00:01.000Z',
  updateTime: '2026-01-01T00:00:01.000Z',
  requested: { prompt: 'p', width: 256, height: 256, numFrames: 3, fps: 8, numInferenceSteps: 2, guidanceScale: 5, seed: 1 },
  adjustments: [],
  attempts: 0,
  cancelRequested: false,
};
const effective = { width: 256, height: 256, numFrames: 3, fps: 8, numInferenceSteps: 2, guidanceScale: 5, seed: 1, memoryMode: 'model_cpu_offload' };
const leader: TaskRecord = {
  ...base,
  taskId: 'leader-1',
  owner: 'alice',
  status: 'PROCESSING',
  progress: 0.4,
  startTime: '2026-01-01T00:00:02.000Z',
  updateTime: '2026-01-01T00:00:03.000Z',
  effective,
  attempts: 1,
  service: 'http://gpu-1',
};

describe('presentTask', () => {
  it('shows a follower its leader’s job: status, progress, parameters, but its own id and owner', () => {
    const shown = presentTask({ ...base, leaderId: 'leader-1' }, leader);
    expect(shown).toMatchObject({ taskId: 'follower-1', owner: 'bob', status: 'PROCESSING', progress: 0.4, effective, attempts: 1, updateTime: leader.updateTime });
    expect(shown.resultKey).toBeUndefined();
  });

  it('points a follower at the leader’s video once the leader completed', () => {
    expect(resultKeyOf(presentTask({ ...base, leaderId: 'leader-1' }, { ...leader, status: 'COMPLETED', progress: 1 }))).toBe('leader-1');
    expect(resultKeyOf(presentTask({ ...base, leaderId: 'leader-1' }, { ...leader, status: 'COMPLETED', resultKey: 'origin-0' }))).toBe('origin-0');
  });

  it('keeps a follower’s own final state (a cancel) and leaves other tasks alone', () => {
    const cancelled = { ...base, leaderId: 'leader-1', status: 'CANCELLED' as const };
    expect(presentTask(cancelled, leader)).toBe(cancelled);
    expect(presentTask(base, null)).toBe(base);
    expect(presentTask({ ...base, leaderId: 'gone' }, null).status).toBe('PENDING');
  });

  it('shows a detached leader as CANCELLED to its caller, whatever its job does', () => {
    for (const status of ['PROCESSING', 'COMPLETED', 'EXPIRED'] as const) {
      expect(presentTask({ ...leader, status, detached: true }, null)).toMatchObject({ status: 'CANCELLED', error: { code: 'cancelled' } });
    }
  });
});

describe('followerFields', () => {
  it('hands a completed leader’s result and parameters to its followers', () => {
    expect(followerFields({ ...leader, status: 'COMPLETED', progress: 1, resultBytes: 1234 })).toEqual({
      progress: 1,
      attempts: 1,
      adjustments: [],
      startTime: leader.startTime,
      effective,
      service: 'http://gpu-1',
      resultKey: 'leader-1',
      resultBytes: 1234,
    });
  });

  it('hands over the error of a failed leader and no result', () => {
    const fields = followerFields({ ...leader, status: 'FAILED', error: { code: 'backend_error', message: 'boom' } });
    expect(fields.error).toEqual({ code: 'backend_error', message: 'boom' });
    expect(fields.resultKey).toBeUndefined();
  });
});
