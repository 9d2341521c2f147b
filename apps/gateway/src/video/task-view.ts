import type { Adjustment, EffectiveParams, RequestedParams, TaskError, TaskRecord, TaskStatus } from '@app/contracts';

/** What the native API shows of a task (camelCase, as Spring clients expect). */
export interface TaskView {
  taskId: string;
  status: TaskStatus;
  progress: number;
  queuePosition: number | null;
  model: string;
  mode: string;
  priority: string;
  createTime: string;
  updateTime: string;
  startTime: string | null;
  finishTime: string | null;
  requested: RequestedParams;
  effective: EffectiveParams | null;
  adjustments: Adjustment[];
  resultUrl: string | null;
  error: TaskError | null;
  cancelRequested: boolean;
  attempts: number;
}

export function toTaskView(task: TaskRecord, queuePosition: number | null, resultBaseUrl: string): TaskView {
  return {
    taskId: task.taskId,
    status: task.status,
    progress: task.progress,
    queuePosition: task.status === 'PENDING' ? queuePosition : null,
    model: task.model,
    mode: task.mode,
    priority: task.priority,
    createTime: task.createTime,
    updateTime: task.updateTime,
    startTime: task.startTime ?? null,
    finishTime: task.finishTime ?? null,
    requested: task.requested,
    effective: task.effective ?? null,
    adjustments: task.adjustments,
    resultUrl: task.status === 'COMPLETED' ? `${resultBaseUrl}/api/video/result/${task.taskId}` : null,
    error: task.error ?? null,
    cancelRequested: task.cancelRequested,
    attempts: task.attempts,
  };
}
