import ipaddr from 'ipaddr.js';
import type { Principal } from '../../auth/principal.js';

/**
 * Who is counted: the principal's owner (tenant or sub) once JwtAuthGuard has run; the client address only
 * where there is no principal (public routes). With TRUST_PROXY set, Fastify's request.ip is the client's
 * address from X-Forwarded-For. IPv6 clients are counted per /64 (one subscriber's prefix), IPv4-mapped
 * IPv6 addresses as IPv4.
 */
export function trackerOf(request: { user?: Principal; ip: string }): string {
  return request.user ? `p:${request.user.owner}` : `ip:${clientNetwork(request.ip)}`;
}

export function clientNetwork(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // unwraps ::ffff:a.b.c.d
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
