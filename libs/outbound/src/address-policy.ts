import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Cloud metadata endpoints that are ordinary unicast addresses (the link-local and private ones,
 * 169.254.169.254, fd00:ec2::254, 100.100.100.200, are refused by their range already).
 */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set(['168.63.129.16', '192.0.0.192']);
const METADATA_HOSTS: ReadonlySet<string> = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export interface AddressVerdict {
  allowed: boolean;
  /** ipaddr.js's range name ('unicast', 'loopback', 'private', ...), or 'metadata' / 'invalid'. */
  range: string;
  /** The address in canonical form, IPv4-mapped IPv6 unwrapped to IPv4. */
  address: string;
}

/** Parses an IP literal in any form the URL parser leaves (brackets stripped); null when it is not one. */
export function parseIp(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return null;
  // process() unwraps ::ffff:a.b.c.d to the IPv4 address it carries.
  return ipaddr.process(bare);
}

/** Only public unicast addresses may be called: loopback, private, link-local, multicast, unspecified, reserved and metadata are refused. */
export function classifyAddress(text: string): AddressVerdict {
  const address = parseIp(text);
  if (!address) return { allowed: false, range: 'invalid', address: text };
  const canonical = address.toString();
  if (METADATA_ADDRESSES.has(canonical)) return { allowed: false, range: 'metadata', address: canonical };
  const range = address.range();
  return { allowed: range === 'unicast', range, address: canonical };
}

export const isMetadataHost = (hostname: string): boolean => METADATA_HOSTS.has(hostname.toLowerCase().replace(/\.$/, ''));

/**
 * Exceptions to the address policy, e.g. a webhook receiver on an internal network. Entries:
 * a CIDR (`10.1.0.0/16`, `fd00::/8`) or a single IP: addresses in it are allowed;
 * `host:port` (`hooks.internal:8443`, `127.0.0.1:9000`, `[::1]:9000`): that URL host and port are allowed whatever they resolve to;
 * `host`: that host on any port.
 */
export class AllowList {
  private readonly networks: Array<[Address, number]> = [];
  private readonly hostPorts = new Set<string>();
  private readonly hosts = new Set<string>();

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes('/')) {
        if (!ipaddr.isValidCIDR(entry)) throw new Error(`allow-list entry "${raw}" is not a valid CIDR`);
        const [network, bits] = ipaddr.parseCIDR(entry);
        this.networks.push([network, bits]);
        continue;
      }
      const ip = parseIp(entry);
      if (ip) {
        this.networks.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
        continue;
      }
      const hostPort = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
      if (hostPort) this.hostPorts.add(`${normaliseHost(hostPort[1]!)}:${Number(hostPort[2])}`);
      else if (/^[a-z0-9.-]+$/.test(entry)) this.hosts.add(entry.replace(/\.$/, ''));
      else throw new Error(`allow-list entry "${raw}" is neither a CIDR, an IP, host:port nor a host name`);
    }
  }

  get empty(): boolean {
    return this.networks.length === 0 && this.hostPorts.size === 0 && this.hosts.size === 0;
  }

  allowsHost(hostname: string, port: number): boolean {
    const host = normaliseHost(hostname);
    return this.hosts.has(host) || this.hostPorts.has(`${host}:${port}`);
  }

  allowsAddress(text: string): boolean {
    const address = parseIp(text);
    if (!address) return false;
    return this.networks.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }
}

/** Lower case, no trailing dot, IP literals in canonical form (so `[::FFFF:127.0.0.1]` and `127.0.0.1` agree). */
function normaliseHost(hostname: string): string {
  const ip = parseIp(hostname);
  return ip ? ip.toString() : hostname.toLowerCase().replace(/\.$/, '');
}
