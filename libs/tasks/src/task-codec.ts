import type { TaskRecord } from '@app/contracts';

type Field = keyof TaskRecord;
const JSON_FIELDS: ReadonlySet<Field> = new Set(['requested', 'effective', 'adjustments', 'error', 'webhook']);
const NUMBER_FIELDS: ReadonlySet<Field> = new Set(['progress', 'attempts', 'resultBytes']);
const BOOLEAN_FIELDS: ReadonlySet<Field> = new Set(['cancelRequested', 'cached', 'cacheable', 'detached']);

/** A task is a Redis hash: one HGETALL reads it, and each writer sets only its own fields. */
export function encodeTaskFields(fields: Partial<TaskRecord>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields) as Array<[Field, unknown]>) {
    if (value === undefined) continue;
    if (JSON_FIELDS.has(name)) encoded[name] = JSON.stringify(value);
    else if (BOOLEAN_FIELDS.has(name)) encoded[name] = value ? '1' : '0';
    else encoded[name] = String(value);
  }
  return encoded;
}

export function decodeTask(hash: Record<string, string>): TaskRecord | null {
  if (hash.taskId === undefined) return null;
  const task: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(hash) as Array<[Field, string]>) {
    if (JSON_FIELDS.has(name)) task[name] = JSON.parse(raw);
    else if (NUMBER_FIELDS.has(name)) task[name] = Number(raw);
    else if (BOOLEAN_FIELDS.has(name)) task[name] = raw === '1';
    else task[name] = raw;
  }
  task.adjustments ??= [];
  return task as unknown as TaskRecord;
}
