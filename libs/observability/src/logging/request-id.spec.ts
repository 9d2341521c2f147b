import { loggableUrl, requestIdFrom, requestIdServerOptions } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('keeps a sane X-Request-Id', () => {
    expect(requestIdFrom('req-123_abc.def:9')).toBe('req-123_abc.def:9');
  });

  it.each([[undefined], [''], ['has space'], ['quote"'], ['line\nbreak'], ['x'.repeat(129)], [['a', 'b']]])('replaces %p with a UUID', (header) => {
    expect(requestIdFrom(header as string | string[] | undefined)).toMatch(UUID);
  });

  it('is what Fastify uses as request.id', () => {
    expect(requestIdServerOptions.requestIdHeader).toBe(false);
    expect(requestIdServerOptions.genReqId({ headers: { 'x-request-id': 'abc-1' } } as never)).toBe('abc-1');
  });
});

describe('loggableUrl', () => {
  it.each([
    ['/api/video/status/1', '/api/video/status/1'],
    ['/admin/queues?access_token=eyJhbGci.x.y', '/admin/queues?access_token=[REDACTED]'],
    ['/r/1?expires=10&sig=abc&x=1', '/r/1?expires=10&sig=[REDACTED]&x=1'],
    ['/f?X-Amz-Signature=abc&X-Amz-Credential=k', '/f?X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]'],
    [undefined, undefined],
  ])('%p → %p', (url, logged) => {
    expect(loggableUrl(url)).toBe(logged);
  });
});
