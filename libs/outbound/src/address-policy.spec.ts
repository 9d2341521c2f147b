import { AllowList, classifyAddress } from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['168.63.129.16', 'metadata'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: false, range });
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(classifyAddress(address).allowed).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(classifyAddress('example.com')).toMatchObject({ allowed: false, range: 'invalid' });
  });
});

describe('AllowList', () => {
  const list = new AllowList(['127.0.0.1:9000', '10.1.0.0/16', 'hooks.internal', '[::1]:9001', 'fd00::/8']);

  it('lets a CIDR or single address through', () => {
    expect(list.allowsAddress('10.1.200.3')).toBe(true);
    expect(list.allowsAddress('10.2.0.1')).toBe(false);
    expect(list.allowsAddress('fd00::5')).toBe(true);
  });

  it('matches host:port exactly and a bare host on any port', () => {
    expect(list.allowsHost('127.0.0.1', 9000)).toBe(true);
    expect(list.allowsHost('127.0.0.1', 9002)).toBe(false);
    expect(list.allowsHost('[::1]', 9001)).toBe(true);
    expect(list.allowsHost('HOOKS.internal.', 443)).toBe(true);
  });

  it('refuses malformed entries', () => {
    expect(() => new AllowList(['10.0.0.0/99'])).toThrow(/CIDR/);
    expect(() => new AllowList(['http:x'])).toThrow(/neither/);
  });
});
