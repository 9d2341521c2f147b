import type { TaskRecord } from '@app/contracts';
import { decodeTask, encodeNewTask, encodeTaskFields, encodeTaskPairs } from './task-codec.js';

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

  const hashOf = (pairs: string[]) => Object.fromEntries(pairs.flatMap((value, i) => (i % 2 ? [] : [[value, pairs[i + 1]!]])));

  it('writes a new task as its identity, status and requestKey plus one JSON doc, and reads it back', () => {
    const hash = hashOf(encodeNewTask({ ...task, requestKey: 'k1', cacheable: true }));
    expect(Object.keys(hash).sort()).toEqual(['doc', 'requestKey', 'status', 'taskId']);
    expect(decodeTask(hash)).toEqual({ ...task, requestKey: 'k1', cacheable: true });
  });

  it('lays later field writes over the doc', () => {
    const hash = hashOf(encodeNewTask(task));
    Object.assign(hash, encodeTaskFields({ status: 'COMPLETED', progress: 1, cancelRequested: true, effective: { width: 256 } as never }));
    expect(decodeTask(hash)).toMatchObject({ status: 'COMPLETED', progress: 1, cancelRequested: true, effective: { width: 256 }, requested: task.requested });
  });

  it('takes the second set of fields over the first (a cache hit and its entry)', () => {
    const hash = hashOf(encodeNewTask(task, { resultKey: 'r1', resultBytes: 42, adjustments: [] }));
    expect(decodeTask(hash)).toMatchObject({ resultKey: 'r1', resultBytes: 42, adjustments: [] });
  });

  it('still reads a task written field by field', () => {
    expect(decodeTask(hashOf(encodeTaskPairs(task)))).toEqual(task);
  });
});
