import type { FieldProblem } from '../problem/problem.js';

export interface TaskListQuery {
  page: number;
  size: number;
  /** Another owner's tasks: admins only. */
  owner?: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Reads `?page=&size=&owner=` (page 1-based); other parameters are ignored. */
export function parseTaskListQuery(query: Record<string, unknown>): TaskListQuery | FieldProblem[] {
  const problems: FieldProblem[] = [];
  const page = integer(query.page, 1);
  const size = integer(query.size, DEFAULT_PAGE_SIZE);
  if (page === undefined || page < 1 || page > 1_000_000) problems.push({ field: 'page', message: 'must be an integer from 1', allowed: '1..1000000' });
  if (size === undefined || size < 1 || size > MAX_PAGE_SIZE) {
    problems.push({ field: 'size', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}`, allowed: `1..${MAX_PAGE_SIZE}` });
  }
  const owner = query.owner;
  if (owner !== undefined && (typeof owner !== 'string' || owner.length === 0 || owner.length > 256)) {
    problems.push({ field: 'owner', message: 'must be a principal or tenant name of 1-256 characters' });
  }
  if (problems.length > 0) return problems;
  return { page: page!, size: size!, ...(typeof owner === 'string' ? { owner } : {}) };
}

function integer(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
