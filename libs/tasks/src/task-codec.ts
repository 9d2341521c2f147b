import type { TaskRecord } from '@app/contracts';

type Field = keyof TaskRecord;
const JSON_FIELDS: ReadonlySet<Field> = new Set(['requested', 'effective', 'adjustments', 'error', 'webhook']);
const NUMBER_FIELDS: ReadonlySet<Field> = new Set(['progress', 'attempts', 'resultBytes']);
const BOOLEAN_FIELDS: ReadonlySet<Field> = new Set(['cancelRequested', 'cached', 'cacheable', 'detached']);

/** The hash field that holds a new task's fields as one JSON object (see encodeNewTask). */
const DOC = 'doc';
/** Fields a new task still keeps as their own hash fields: the hash's identity, and what Lua scripts HGET. */
const OWN_FIELDS: ReadonlySet<string> = new Set<Field>(['taskId', 'status', 'requestKey']);

/**
 * A task is a Redis hash: one HGETALL reads it, and each writer sets only its own fields. A new task is
 * written as taskId, status, requestKey and one `doc` field with everything else in JSON; later writes
 * (progress, transitions, ...) set their own fields, which decodeTask lays over the doc. Three to five
 * fields instead of twenty make the create and every read about three times cheaper for Redis.
 */
export function encodeNewTask(task: Partial<TaskRecord>, more?: Partial<TaskRecord>): string[] {
  const pairs: string[] = [];
  const doc: Record<string, unknown> = {};
  for (const fields of more ? [task, more] : [task]) {
    for (const name in fields) {
      const value = fields[name as Field];
      if (value === undefined) continue;
      if (OWN_FIELDS.has(name)) pairs.push(name, encodeValue(name as Field, value));
      else doc[name] = value;
    }
  }
  pairs.push(DOC, JSON.stringify(doc));
  return pairs;
}

/** Fields to set on an existing task, each as its own hash field. */
export function encodeTaskFields(fields: Partial<TaskRecord>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const name in fields) {
    const value = fields[name as Field];
    if (value !== undefined) encoded[name] = encodeValue(name as Field, value);
  }
  return encoded;
}

/** The same as flat field/value pairs (HSET's arguments). */
export function encodeTaskPairs(fields: Partial<TaskRecord>): string[] {
  const pairs: string[] = [];
  for (const name in fields) {
    const value = fields[name as Field];
    if (value !== undefined) pairs.push(name, encodeValue(name as Field, value));
  }
  return pairs;
}

function encodeValue(name: Field, value: unknown): string {
  if (JSON_FIELDS.has(name)) return JSON.stringify(value);
  if (BOOLEAN_FIELDS.has(name)) return value ? '1' : '0';
  return String(value);
}

export function decodeTask(hash: Record<string, string>): TaskRecord | null {
  if (hash.taskId === undefined) return null;
  const task: Record<string, unknown> = hash[DOC] === undefined ? {} : JSON.parse(hash[DOC]);
  for (const name in hash) {
    if (name === DOC) continue;
    const raw = hash[name]!;
    if (JSON_FIELDS.has(name as Field)) task[name] = JSON.parse(raw);
    else if (NUMBER_FIELDS.has(name as Field)) task[name] = Number(raw);
    else if (BOOLEAN_FIELDS.has(name as Field)) task[name] = raw === '1';
    else task[name] = raw;
  }
  task.adjustments ??= [];
  return task as unknown as TaskRecord;
}
