import { TERMINAL_STATUSES, type TaskRecord } from '@app/contracts';

/** The stored video a task shows: its own, or the one of the task that rendered it (cache hit, coalesced). */
export const resultKeyOf = (task: Pick<TaskRecord, 'taskId' | 'resultKey'>): string => task.resultKey ?? task.taskId;

/**
 * What a caller sees of a task. A coalesced follower mirrors its leader's job (status, progress, effective
 * parameters, result) until its own record ends; a leader whose caller cancelled while others still wait
 * for its job is CANCELLED to that caller. Pure: the caller fetches the leader.
 */
export function presentTask(task: TaskRecord, leader: TaskRecord | null): TaskRecord {
  if (task.detached) {
    return {
      ...task,
      status: 'CANCELLED',
      error: { code: 'cancelled', message: 'cancelled by the client' },
      finishTime: task.finishTime ?? task.updateTime,
    };
  }
  if (!task.leaderId || TERMINAL_STATUSES.has(task.status) || !leader) return task;
  const mirrored: TaskRecord = {
    ...task,
    status: leader.status,
    progress: leader.progress,
    attempts: leader.attempts,
    adjustments: leader.adjustments,
    updateTime: leader.updateTime > task.updateTime ? leader.updateTime : task.updateTime,
  };
  for (const field of ['startTime', 'finishTime', 'effective', 'error', 'service', 'resultBytes'] as const) {
    if (leader[field] !== undefined) (mirrored as unknown as Record<string, unknown>)[field] = leader[field];
  }
  if (leader.status === 'COMPLETED') mirrored.resultKey = resultKeyOf(leader);
  return mirrored;
}

/** The fields a follower takes from its leader when the leader's job ends. */
export function followerFields(leader: TaskRecord): Partial<TaskRecord> {
  return {
    progress: leader.progress,
    attempts: leader.attempts,
    adjustments: leader.adjustments,
    ...(leader.startTime ? { startTime: leader.startTime } : {}),
    ...(leader.effective ? { effective: leader.effective } : {}),
    ...(leader.error ? { error: leader.error } : {}),
    ...(leader.service ? { service: leader.service } : {}),
    ...(leader.status === 'COMPLETED' ? { resultKey: resultKeyOf(leader), resultBytes: leader.resultBytes } : {}),
  };
}
