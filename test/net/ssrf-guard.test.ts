import { describe, expect, it } from 'vitest';
import { checkTarget, isPrivateAddress, TargetRefusedError } from '../../src/net/ssrf-guard.ts';

/** Every spelling of an inside address a webhook URL has been seen to use (issue 12, item 10). */
const REFUSED_URLS = [
  'http://127.0.0.1/',
  'http://10.1.2.3/',
  'http://[::1]/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/', // IPv4-mapped
  'http://[::ffff:7f00:1]/', // the same, in hex
  'http://[::127.0.0.1]/', // IPv4-compatible, ::/96
  'http://[::7f00:1]/',
  'http://[::8.8.8.8]/', // IPv4-compatible even for a public IPv4: ::/96 is not routed
  'http://[2002:7f00:1::]/', // 6to4 wrapping 127.0.0.1
  'http://[2002:808:808::]/', // 6to4 of a public IPv4: still a tunnel, refused
  'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', // Teredo
  'http://[64:ff9b::7f00:1]/', // NAT64 well-known prefix
  'http://[64:ff9b:1::a00:1]/', // NAT64 local-use prefix
  'http://[2001:db8::1]/', // documentation
  'http://[3fff::1]/', // documentation (RFC 9637)
  'http://[fc00::1]/',
  'http://[fe80::1]/',
  'http://[ff02::1]/',
  'http://[100::1]/', // discard
  'http://192.88.99.1/', // 6to4 relay anycast
  'http://192.0.2.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/',
  'http://255.255.255.255/',
  'http://0.0.0.0/',
  'http://2130706433/', // 127.0.0.1 as one number; the URL parser spells it 127.0.0.1
  'http://0x7f.1/',
];

const PUBLIC_URLS = [
  'https://8.8.8.8/hook',
  'http://1.1.1.1:8080/',
  'https://[2606:4700:4700::1111]/',
  'https://[2a00:1450:4001:80b::200e]/',
  'https://[::ffff:8.8.8.8]/', // IPv4-mapped is judged by its IPv4
];

const noDns = async () => {
  throw new Error('literal addresses must not be looked up');
};

describe('webhook target guard', () => {
  it.each(REFUSED_URLS)('refuses %s', async (url) => {
    await expect(checkTarget(url, false, noDns)).rejects.toThrow(TargetRefusedError);
  });

  it.each(PUBLIC_URLS)('accepts %s', async (url) => {
    await expect(checkTarget(url, false, noDns)).resolves.toBeInstanceOf(URL);
  });

  it('refuses port 0, even where private targets are allowed', async () => {
    await expect(checkTarget('http://8.8.8.8:0/', false, noDns)).rejects.toThrow(/port 0/);
    await expect(checkTarget('http://localhost:0/', true, noDns)).rejects.toThrow(/port 0/);
  });

  it('judges what a name resolves to by the same rules', async () => {
    // getaddrinfo spells IPv4-compatible and mapped answers with a dotted tail.
    for (const address of ['::127.0.0.1', '::8.8.8.8', '2002:7f00:1::', '64:ff9b:1::1', '192.88.99.7']) {
      const lookup = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
      await expect(checkTarget('https://inside.example/', false, lookup)).rejects.toThrow(
        new RegExp(`resolves to ${address.replace(/\./g, '\\.')}`),
      );
    }
    const lookup = async () => [{ address: '2606:4700:4700::1111', family: 6 }];
    await expect(checkTarget('https://outside.example/', false, lookup)).resolves.toBeInstanceOf(URL);
  });

  it('treats what it cannot read as private', () => {
    for (const address of ['', 'example.com', 'fe80::1%eth0', '1.2.3'])
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
  });
});
