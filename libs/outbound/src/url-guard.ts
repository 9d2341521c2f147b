import { lookup as dnsLookup } from 'node:dns/promises';
import { AllowList, classifyAddress, isMetadataHost, parseIp } from './address-policy.js';
import { OutboundError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver, so /etc/hosts counts). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  /** Exceptions to the address policy; see AllowList. */
  allowList?: AllowList | readonly string[];
  /** Defaults to http and https. */
  protocols?: readonly string[];
  /** For tests: resolve names without the system resolver. */
  resolve?: Resolver;
}

export interface CheckedUrl {
  url: URL;
  /** The address to connect to: the one that was checked, so a second DNS answer cannot differ. */
  address: string;
  family: 4 | 6;
  /** True when an allow-list entry let it through. */
  allowListed: boolean;
}

const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

export const toAllowList = (list: AllowList | readonly string[] | undefined): AllowList =>
  list instanceof AllowList ? list : new AllowList(list ?? []);

/**
 * Refuses a URL the gateway must not call: not http(s), credentials in it, or a host that is or resolves to
 * a loopback, private, link-local, multicast, unspecified, reserved or cloud-metadata address (IPv4, IPv6,
 * IPv4-mapped IPv6, and the decimal, hex and octal IPv4 spellings, which the URL parser turns into dotted
 * quads). Every address a name resolves to must be public. Returns the checked address to pin the connection to.
 */
export async function assertPublicUrl(input: string | URL, options: UrlGuardOptions = {}): Promise<CheckedUrl> {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new OutboundError('invalid_url', 'is not an absolute URL', String(input));
  }
  const shown = `${url.protocol}//${url.host}`;
  const protocols = options.protocols ?? ['http:', 'https:'];
  if (!protocols.includes(url.protocol)) throw new OutboundError('scheme', `must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}`, shown);
  if (url.username || url.password) throw new OutboundError('credentials', 'must not carry a user name or password', shown);
  if (!url.hostname) throw new OutboundError('invalid_url', 'has no host', shown);

  const allowList = toAllowList(options.allowList);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const allowListedHost = allowList.allowsHost(url.hostname, port);
  if (!allowListedHost && isMetadataHost(hostname)) throw new OutboundError('forbidden_address', `${hostname} is a cloud metadata host`, shown);

  const literal = parseIp(hostname);
  let answers: ResolvedAddress[];
  if (literal) {
    answers = [{ address: hostname, family: literal.kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      answers = await (options.resolve ?? systemResolver)(hostname);
    } catch (error) {
      throw new OutboundError('unresolvable', `host ${hostname} does not resolve (${(error as { code?: string }).code ?? String(error)})`, shown);
    }
    if (answers.length === 0) throw new OutboundError('unresolvable', `host ${hostname} has no addresses`, shown);
  }
  if (!allowListedHost) {
    for (const answer of answers) {
      const verdict = classifyAddress(answer.address);
      if (!verdict.allowed && !allowList.allowsAddress(answer.address)) {
        const via = literal ? '' : ` (${hostname} resolves to ${verdict.address})`;
        throw new OutboundError('forbidden_address', `points to a ${verdict.range} address${via}; only public addresses may be called`, shown);
      }
    }
  }
  const chosen = answers[0]!;
  const allowListed = allowListedHost || answers.some((answer) => !classifyAddress(answer.address).allowed);
  return { url, address: chosen.address, family: chosen.family, allowListed };
}
