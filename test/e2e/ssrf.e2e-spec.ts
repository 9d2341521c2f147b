import { createServer, type Server } from 'node:http';
import { Api } from '../support/api.js';
import { freePort } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const TINY = { width: 256, height: 256, numFrames: 1, numInferenceSteps: 1 };

/**
 * The SSRF guard on every URL the gateway calls: callbackUrl (checked at submit) and imageUrl (fetched at
 * submit). Only a redirector on loopback is allow-listed (OUTBOUND_ALLOW_LIST host:port), to show that a
 * redirect to a refused address is refused too. Nothing here relies on outside DNS: `localhost` comes from /etc/hosts.
 */
describe('SSRF guard: callbackUrl and imageUrl', () => {
  let redirector: Server;
  let redirectorPort = 0;
  let stack: TestStack;
  let alice: Api;
  const fieldsOf = async (response: Response) => ((await response.json()) as { errors?: Array<{ field: string; message: string }> }).errors ?? [];

  beforeAll(async () => {
    redirectorPort = await freePort();
    redirector = createServer((request, response) => {
      const target = request.url === '/to-metadata' ? 'http://169.254.169.254/latest/meta-data/' : `http://127.0.0.1:${redirectorPort + 1}/secret.png`;
      response.writeHead(302, { location: target }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(redirectorPort, '127.0.0.1', resolve));
    stack = new TestStack({ THROTTLE_ENABLED: 'false', OUTBOUND_ALLOW_LIST: `127.0.0.1:${redirectorPort}`, LOG_LEVEL: 'warn' });
    await stack.start([{ stepDelayMs: 10 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
  });
  afterAll(async () => {
    await stack.stop();
    await new Promise((resolve) => redirector.close(resolve));
  });

  it.each([
    ['loopback', 'http://127.0.0.1:8080/hook'],
    ['IPv6 loopback', 'http://[::1]:8080/hook'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['a private address', 'http://10.0.0.5/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['loopback in decimal', 'http://2130706433/hook'],
    ['loopback in hex', 'http://0x7f000001/hook'],
    ['loopback in octal', 'http://0177.0.0.1/hook'],
    ['the unspecified address', 'http://0.0.0.0:8080/hook'],
    ['a DNS name resolving to loopback', 'http://localhost:8080/hook'],
    ['a metadata host name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['another scheme', 'file:///etc/passwd'],
  ])('refuses a callbackUrl to %s with 422 naming callbackUrl', async (_what, callbackUrl) => {
    const response = await alice.request('POST', '/api/video/generate', { prompt: 'ssrf', ...TINY, callbackUrl });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const errors = await fieldsOf(response);
    expect(errors.map((error) => error.field)).toEqual(['callbackUrl']);
  });

  it('refuses image URLs to internal addresses, directly or through a redirect', async () => {
    const attempts = [
      'http://127.0.0.1:9/first-frame.png',
      'http://[::1]:9/first-frame.png',
      'http://0x7f.1/first-frame.png',
      `http://127.0.0.1:${redirectorPort}/to-loopback`,
      `http://127.0.0.1:${redirectorPort}/to-metadata`,
    ];
    for (const imageUrl of attempts) {
      const response = await alice.request('POST', '/api/video/generate', { prompt: 'ssrf image', ...TINY, imageUrl });
      expect(response.status).toBe(422);
      const errors = await fieldsOf(response);
      expect(errors.map((error) => error.field)).toEqual(['imageUrl']);
      expect(errors[0]!.message).toMatch(/refused|public addresses/);
    }
    // Nothing was queued or created.
    const listed = (await (await alice.request('GET', '/api/video/tasks?size=100')).json()) as { total: number };
    expect(listed.total).toBe(0);
  });
});
