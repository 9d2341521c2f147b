import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  durationSeconds?: number;
  connections?: number;
}

/** Closed-loop load from this process (the machine's other core serves it), as REFERENCE.md §3 measured. */
export async function load(name: string, options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    duration: options.durationSeconds ?? 8,
    connections: options.connections ?? 64,
  });
  return {
    name,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

export function formatTable(rows: LoadResult[], baseline: LoadResult, aims: Record<string, number> = {}): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs bare Fastify', 'aim', 'non-2xx'];
  const lines = rows.map((row) => [
    row.name,
    row.requestsPerSecond.toFixed(0),
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    (row.requestsPerSecond / baseline.requestsPerSecond).toFixed(2),
    aims[row.name] !== undefined ? `>= ${aims[row.name]}` : '',
    String(row.non2xx),
  ]);
  return markdown([header, ...lines]);
}

export function markdown(table: string[][]): string {
  const [head, ...body] = table;
  if (!head) return '';
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
