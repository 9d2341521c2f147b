import { OutboundError } from './errors.js';
import { assertPublicUrl, type Resolver } from './url-guard.js';

const publicResolver: Resolver = async () => [{ address: '93.184.215.14', family: 4 }];

async function refusal(url: string, resolve: Resolver = publicResolver, allowList: string[] = []): Promise<OutboundError> {
  try {
    await assertPublicUrl(url, { resolve, allowList });
  } catch (error) {
    if (error instanceof OutboundError) return error;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe('assertPublicUrl', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://[::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.7/',
    'http://169.254.169.254/latest/meta-data/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0x7f.0.0.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0.0.0.0:8080/',
    'http://[fe80::1]/',
  ])('refuses %s', async (url) => {
    expect((await refusal(url)).code).toBe('forbidden_address');
  });

  it('refuses a name that resolves to loopback, via the system resolver and /etc/hosts', async () => {
    const error = await assertPublicUrl('http://localhost:8080/x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'forbidden_address', message: expect.stringMatching(/localhost resolves to/) });
  });

  it('refuses a name when any of its addresses is private', async () => {
    const mixed: Resolver = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.1', family: 4 }];
    expect((await refusal('https://example.com/', mixed)).code).toBe('forbidden_address');
  });

  it('refuses metadata host names, other schemes, credentials and garbage', async () => {
    expect((await refusal('http://metadata.google.internal/')).code).toBe('forbidden_address');
    expect((await refusal('ftp://example.com/')).code).toBe('scheme');
    expect((await refusal('file:///etc/passwd')).code).toBe('scheme');
    expect((await refusal('http://user:pw@example.com/')).code).toBe('credentials');
    expect((await refusal('not a url')).code).toBe('invalid_url');
  });

  it('reports a name that does not resolve', async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    expect((await refusal('https://no-such-host.invalid/', failing)).code).toBe('unresolvable');
  });

  it('accepts a public name and returns the address to pin', async () => {
    const checked = await assertPublicUrl('https://example.com/hook', { resolve: publicResolver });
    expect(checked).toMatchObject({ address: '93.184.215.14', family: 4, allowListed: false });
  });

  it('lets allow-listed hosts and networks through', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:9000/', { allowList: ['127.0.0.1:9000'] })).resolves.toMatchObject({ allowListed: true });
    await expect(assertPublicUrl('http://10.1.2.3/', { allowList: ['10.1.0.0/16'] })).resolves.toMatchObject({ address: '10.1.2.3' });
    expect((await refusal('http://127.0.0.1:9001/', publicResolver, ['127.0.0.1:9000'])).code).toBe('forbidden_address');
  });
});
