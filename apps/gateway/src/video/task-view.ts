import type { Adjustment, EffectiveParams, RequestedParams, TaskError, TaskRecord, TaskStatus, WebhookDelivery } from '@app/contracts';

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
  /** Answered from the result cache: no GPU was used. */
  cached: boolean;
  /** A signed link to the video that plays without a token until it expires (null when none can be signed). */
  shareUrl: string | null;
  /** Delivery of the callbackUrl webhook, when one was asked for. */
  webhook: WebhookDelivery | null;
}

export function toTaskView(
  task: TaskRecord,
  queuePosition: number | null,
  resultBaseUrl: string,
  shareUrl: (taskId: string) => string | null = () => null,
): TaskView {
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
    cached: task.cached === true,
    shareUrl: task.status === 'COMPLETED' ? shareUrl(task.taskId) : null,
    webhook: task.webhook ?? null,
  };
}
