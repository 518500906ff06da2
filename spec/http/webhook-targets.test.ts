import { webhookTargetPolicy } from '../../lib/http/webhooks/target-policy';
import { maskUrlCredentials, webhookTarget } from '../../lib/http/webhooks/webhook-url';

describe('webhook target policy', () => {
  const strict = webhookTargetPolicy();

  it.each([
    ['0.1.2.3', '"this network"'],
    ['10.255.0.1', 'private (10.0.0.0/8)'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.53', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.31.0.1', 'private (172.16.0.0/12)'],
    ['192.168.0.10', 'private (192.168.0.0/16)'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback (::1)'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::ffff:10.0.0.1', 'private (10.0.0.0/8)'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::127.0.0.1', 'loopback (127.0.0.0/8) through NAT64'],
    ['fd00:ec2::254', 'unique local'],
    ['fe80::1', 'link-local (fe80::/10)'],
    ['ff02::1', 'multicast (ff00::/8)'],
  ])('refuses %s by default (%s)', (address, what) => {
    expect(strict.refusal(address, 443)).toContain(what);
  });

  it.each(['93.184.216.34', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2001:4860:4860::8888', '64:ff9b::808:808'])('lets the public address %s through', (address) => {
    expect(strict.refusal(address, 443)).toBeNull();
  });

  it('lets allow-listed ranges through, but never this service’s own API, and its other ports only when allowed', () => {
    const own = [{ address: '10.0.0.5', port: 8080 }];
    const policy = webhookTargetPolicy({ allowPrivate: ['10.0.0.0/8', 'fd00::/8'], ownEndpoints: () => own });
    expect(policy.refusal('10.1.2.3', 80)).toBeNull();
    expect(policy.refusal('::ffff:10.1.2.3', 80)).toBeNull();
    expect(policy.refusal('fd00::1', 80)).toBeNull();
    expect(policy.refusal('127.0.0.1', 80)).toContain('loopback');
    expect(policy.refusal('10.0.0.5', 8080)).toBe("10.0.0.5 port 8080 is this service's own API");
    expect(policy.refusal('::ffff:10.0.0.5', 8080)).toBe("::ffff:10.0.0.5 port 8080 is this service's own API");
    expect(policy.refusal('10.0.0.5', 9000)).toBeNull();
    expect(webhookTargetPolicy({ ownEndpoints: () => [{ address: '203.0.113.7', port: 443 }] }).refusal('203.0.113.7', 80)).toBe('203.0.113.7 is an address of this service');
  });
});

describe('webhook URLs', () => {
  it('take credentials out of the URL into a basic Authorization header', () => {
    const target = webhookTarget('https://hook%40user:p%3Ass@[::1]:8443/in?x=1');
    expect(target).toMatchObject({ host: '::1', port: 8443, literal: true, authorization: `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}` });
    expect(target.url.href).toBe('https://[::1]:8443/in?x=1');
    expect(webhookTarget('http://hooks.example.com/in')).toMatchObject({ host: 'hooks.example.com', port: 80, literal: false });
    expect(webhookTarget('http://hooks.example.com/in').authorization).toBeUndefined();
    expect(() => webhookTarget('gopher://example.com/')).toThrow('only http:// and https:// URLs are accepted');
  });

  it('are shown with user and password masked, and otherwise exactly as given', () => {
    expect(maskUrlCredentials('https://user:pw@example.com/hook')).toBe('https://***:***@example.com/hook');
    expect(maskUrlCredentials('https://token@example.com/hook')).toBe('https://***@example.com/hook');
    expect(maskUrlCredentials('https:user:pw@example.com')).toBe('https://***:***@example.com/');
    expect(maskUrlCredentials('https://example.com/hook?q=%27')).toBe('https://example.com/hook?q=%27');
    expect(maskUrlCredentials('not a url://user:pw@x')).not.toContain('pw');
  });

  it.each([
    ['https://example.com/hook?token=abc123', 'https://example.com/hook?token=***'],
    ['https://example.com/hook?a=1&key=k1&b=2', 'https://example.com/hook?a=1&key=***&b=2'],
    ['https://example.com/hook?api_key=k&access_token=t&X-Signature=s&sig=s2', 'https://example.com/hook?api_key=***&access_token=***&X-Signature=***&sig=***'],
    ['https://example.com/hook?secret=s&auth=a&password=p&pwd=p2#frag', 'https://example.com/hook?secret=***&auth=***&password=***&pwd=***#frag'],
    ['https://example.com/hook?TOKEN=abc&q=%27', 'https://example.com/hook?TOKEN=***&q=%27'],
    ['https://example.com/hook?%74oken=abc', 'https://example.com/hook?%74oken=***'],
    ['https://u:pw@example.com/hook?token=abc&id=7', 'https://***:***@example.com/hook?token=***&id=7'],
    ['https://example.com/hook?id=7&order=9', 'https://example.com/hook?id=7&order=9'],
    ['not a url?token=abc&x=1', 'not a url?token=***&x=1'],
  ])('are shown with query-string credentials masked too: %s', (given, shown) => {
    expect(maskUrlCredentials(given)).toBe(shown);
  });
});
