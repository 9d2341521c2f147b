/**
 * The methods each registered path answers, so that a request for a known path with another method gets
 * 405 and an Allow header instead of Fastify's 404. Patterns use find-my-way's syntax: a segment holding
 * `:` is a parameter, `*` matches the rest.
 */
export class RouteMethods {
  private readonly routes: Array<{ pattern: RegExp; method: string }> = [];

  add(method: string | string[], url: string): void {
    const pattern = patternOf(url);
    for (const each of Array.isArray(method) ? method : [method]) this.routes.push({ pattern, method: each.toUpperCase() });
  }

  /** Methods registered for `path` (without query), sorted; empty when the path is unknown. */
  allowedFor(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) methods.add(route.method);
    return [...methods].sort();
  }
}

function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.includes(':') || segment.includes('*')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}
