import { RouteMethods } from './route-methods.js';

describe('RouteMethods', () => {
  const routes = new RouteMethods();
  routes.add('POST', '/api/video/generate');
  routes.add(['GET', 'HEAD'], '/api/video/status/:taskId');
  routes.add('DELETE', '/api/video/:taskId');
  routes.add('GET', '/docs/*');
  routes.add('GET', '/docs.json');

  it('lists the methods of a known path', () => {
    expect(routes.allowedFor('/api/video/generate')).toEqual(['DELETE', 'POST']); // DELETE /api/video/:taskId matches too
    expect(routes.allowedFor('/api/video/status/abc12345')).toEqual(['GET', 'HEAD']);
  });

  it('matches parameters within one segment only', () => {
    expect(routes.allowedFor('/api/video/abc12345')).toEqual(['DELETE']);
    expect(routes.allowedFor('/api/video/abc/def')).toEqual([]);
  });

  it('matches wildcards and escapes literal dots', () => {
    expect(routes.allowedFor('/docs/swagger-ui.css')).toEqual(['GET']);
    expect(routes.allowedFor('/docsXjson')).toEqual([]);
  });

  it('knows nothing of unknown paths', () => {
    expect(routes.allowedFor('/nowhere')).toEqual([]);
  });
});
