/** Redis key layout, in one place so gateway and dispatcher agree. */
export const KEY_PREFIX = 'videogw:';
export const taskKey = (taskId: string): string => `${KEY_PREFIX}task:${taskId}`;
export const ownerTasksKey = (owner: string): string => `${KEY_PREFIX}owner:${owner}:tasks`;
export const imageKey = (taskId: string): string => `${KEY_PREFIX}image:${taskId}`;
export const serviceLeaseKey = (serviceUrl: string): string => `${KEY_PREFIX}lease:${serviceUrl}`;

export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
