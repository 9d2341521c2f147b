import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundError } from './errors.js';
import { safeFetch } from './safe-fetch.js';

/** A local server; loopback is refused by default, so each test allow-lists exactly what it means to reach. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string; hostPort: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}` };
}

describe('safeFetch', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  it('posts to an allow-listed receiver and reads the answer', async () => {
    const { server, base, hostPort } = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => response.end(JSON.stringify({ method: request.method, body, sig: request.headers['x-sig'] })));
    });
    servers.push(server);
    const answer = await safeFetch(`${base}/hook`, { method: 'POST', body: '{"a":1}', headers: { 'x-sig': 's' }, allowList: [hostPort] });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({ method: 'POST', body: '{"a":1}', sig: 's' });
  });

  it('refuses loopback when it is not allow-listed', async () => {
    await expect(safeFetch('http://127.0.0.1:9/')).rejects.toMatchObject({ code: 'forbidden_address' });
  });

  it('refuses a redirect to loopback, re-checking every hop', async () => {
    const { server, base, hostPort } = await serve((_request, response) => {
      response.writeHead(302, { location: 'http://[::1]:9/admin' }).end();
    });
    servers.push(server);
    const error = (await safeFetch(`${base}/`, { allowList: [hostPort] }).catch((e: unknown) => e)) as OutboundError;
    expect(error).toBeInstanceOf(OutboundError);
    expect(error.code).toBe('forbidden_address');
  });

  it('follows allowed redirects up to the limit', async () => {
    const { server, base, hostPort } = await serve((request, response) => {
      if (request.url === '/final') response.end('done');
      else response.writeHead(307, { location: request.url === '/loop' ? '/loop' : '/final' }).end();
    });
    servers.push(server);
    const answer = await safeFetch(`${base}/start`, { allowList: [hostPort] });
    expect(answer).toMatchObject({ status: 200, redirects: 1, url: `${base}/final` });
    await expect(safeFetch(`${base}/loop`, { allowList: [hostPort], maxRedirects: 2 })).rejects.toMatchObject({ code: 'too_many_redirects' });
  });

  it('enforces the size and time limits', async () => {
    const { server, base, hostPort } = await serve((request, response) => {
      if (request.url === '/big') response.end(Buffer.alloc(2048));
      // '/slow' never answers
    });
    servers.push(server);
    await expect(safeFetch(`${base}/big`, { allowList: [hostPort], maxBytes: 1024 })).rejects.toMatchObject({ code: 'too_large' });
    await expect(safeFetch(`${base}/slow`, { allowList: [hostPort], timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    server.closeAllConnections();
  });
});
