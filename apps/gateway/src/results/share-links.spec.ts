import { ShareLinks } from './share-links.js';

describe('ShareLinks', () => {
  const links = new ShareLinks(Buffer.from('a-share-secret-of-some-length'), 3600, 'https://videos.example');
  const now = Date.UTC(2026, 0, 1, 12, 0, 30);
  const parts = (url: string) => {
    const parsed = new URL(url);
    return { taskId: parsed.pathname.split('/').pop()!, expires: parsed.searchParams.get('expires')!, sig: parsed.searchParams.get('sig')! };
  };

  it('signs a link that verifies until it expires', () => {
    const url = links.url('task-1234', now)!;
    expect(url).toMatch(/^https:\/\/videos\.example\/api\/video\/share\/task-1234\?expires=\d+&sig=[\w-]+$/);
    const { taskId, expires, sig } = parts(url);
    expect(Number(expires) * 1000).toBeGreaterThanOrEqual(now + 3600_000);
    expect(links.verify(taskId, expires, sig, now)).toBe('ok');
    expect(links.verify(taskId, expires, sig, Number(expires) * 1000 + 1)).toBe('expired');
  });

  it('refuses a tampered task, expiry or signature', () => {
    const { taskId, expires, sig } = parts(links.url('task-1234', now)!);
    expect(links.verify('task-9999', expires, sig, now)).toBe('invalid');
    expect(links.verify(taskId, String(Number(expires) + 60), sig, now)).toBe('invalid');
    expect(links.verify(taskId, expires, `${sig.slice(0, -1)}A`, now)).toBe('invalid');
    expect(links.verify(taskId, undefined, sig, now)).toBe('invalid');
    expect(links.verify(taskId, '1e9', sig, now)).toBe('invalid');
  });

  it('keeps the same link within a minute and makes none without a secret', () => {
    expect(links.url('t', now)).toBe(links.url('t', now + 20_000));
    expect(new ShareLinks(null, 60, '').url('t', now)).toBeNull();
  });
});
