import { Redis } from 'ioredis';
import type { FleetMemberSnapshot, TaskRecord } from '@app/contracts';
import { TaskStore } from '@app/tasks';

/** The dispatcher's fleet table (GET /fleet on its own port). */
export async function fleetTable(dispatcherPort: number): Promise<FleetMemberSnapshot[]> {
  const response = await fetch(`http://127.0.0.1:${dispatcherPort}/fleet`);
  if (!response.ok) throw new Error(`GET /fleet answered ${response.status}`);
  return (await response.json()) as FleetMemberSnapshot[];
}

export async function fleetRow(dispatcherPort: number, url: string): Promise<FleetMemberSnapshot | undefined> {
  return (await fleetTable(dispatcherPort)).find((row) => row.url === url);
}

/** What a model service counted itself (its /metrics): generations it accepted and submissions it refused as busy. */
export interface ServiceCounters {
  submitted: number;
  busyRejections: number;
  completed: number;
  failed: number;
}

export async function serviceCounters(serviceUrl: string): Promise<ServiceCounters> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    submitted: value(/^model_service_jobs_submitted_total (\S+)$/m),
    busyRejections: value(/^model_service_jobs_rejected_total\{reason="busy"\} (\S+)$/m),
    completed: value(/^model_service_jobs_finished_total\{status="completed"\} (\S+)$/m),
    failed: value(/^model_service_jobs_finished_total\{status="failed"\} (\S+)$/m),
  };
}

/** Reads task records straight from Redis: which service ran a task is not part of the public view. */
export class TaskRecords {
  private readonly redis: Redis;
  private readonly store: TaskStore;

  constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.store = new TaskStore(this.redis);
  }

  async get(taskId: string): Promise<TaskRecord> {
    const task = await this.store.get(taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    return task;
  }

  async serviceOf(taskId: string): Promise<string | undefined> {
    return (await this.get(taskId)).service;
  }

  async raw(...command: [string, ...Array<string | number>]): Promise<unknown> {
    return this.redis.call(...command);
  }

  close(): void {
    this.redis.disconnect();
  }
}
