import { checkDestinationAddresses, classifyAddress, DestinationAllowList, parseDestinationUrl } from './destination-address';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

describe('parseDestinationUrl', () => {
  it('takes http and https only, without credentials', () => {
    expect(parseDestinationUrl('https://hooks.example.com/x')).toEqual({ host: 'hooks.example.com', isLiteral: false });
    expect(parseDestinationUrl('http://[::1]:8080/')).toEqual({ host: '::1', isLiteral: true });
    expect(parseDestinationUrl('ftp://example.com/')).toMatchObject({ field: 'url', code: 'DESTINATION_URL_SCHEME' });
    expect(parseDestinationUrl('file:///etc/passwd')).toMatchObject({ code: 'DESTINATION_URL_SCHEME' });
    expect(parseDestinationUrl('not a url')).toMatchObject({ code: 'DESTINATION_URL_INVALID' });
    expect(parseDestinationUrl('https://user:pw@example.com/')).toMatchObject({ code: 'DESTINATION_URL_INVALID' });
  });
});

describe('checkDestinationAddresses', () => {
  const none = new DestinationAllowList([]);

  it('refuses a host when any address it resolves to is internal, naming the address', () => {
    expect(checkDestinationAddresses('example.com', ['93.184.216.34'], none)).toBeNull();
    const refused = checkDestinationAddresses('sneaky.example', ['93.184.216.34', '10.0.0.5'], none);
    expect(refused).toMatchObject({ field: 'url', code: 'DESTINATION_ADDRESS_REFUSED' });
    expect(refused!.message).toContain('sneaky.example resolves to 10.0.0.5, a private address');
    expect(checkDestinationAddresses('localhost', ['127.0.0.1', '::1'], none)!.message).toContain('loopback');
    expect(checkDestinationAddresses('x', [], none)!.code).toBe('DESTINATION_UNRESOLVABLE');
  });

  it('lets the allow-list name a host, an address or a range', () => {
    expect(checkDestinationAddresses('hooks.internal', ['10.1.2.3'], new DestinationAllowList(['Hooks.Internal']))).toBeNull();
    expect(checkDestinationAddresses('127.0.0.1', ['127.0.0.1'], new DestinationAllowList(['127.0.0.1']))).toBeNull();
    expect(checkDestinationAddresses('a.internal', ['10.1.2.3'], new DestinationAllowList(['10.1.0.0/16']))).toBeNull();
    // A range does not cover what lies outside it, nor does a name cover another name.
    expect(checkDestinationAddresses('a.internal', ['10.2.0.1'], new DestinationAllowList(['10.1.0.0/16']))).not.toBeNull();
    expect(checkDestinationAddresses('localhost', ['127.0.0.1', '::1'], new DestinationAllowList(['127.0.0.1']))!.message).toContain('::1');
  });

  it('reports bad allow-list entries', () => {
    expect(DestinationAllowList.problems(['10.0.0.0/8', 'hooks.internal', '::1', 'fd00::/8'])).toEqual([]);
    expect(DestinationAllowList.problems(['10.0.0.0/40', 'bad host!'])).toHaveLength(2);
  });
});
