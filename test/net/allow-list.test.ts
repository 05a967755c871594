import { describe, expect, it } from 'vitest';
import { compileAllowList, normaliseAllowEntry } from '../../src/net/allow-list.ts';

describe('URL allow-list entries', () => {
  it('normalises hosts, addresses and CIDRs', () => {
    expect(
      ['CVAT.internal.', '*.Corp.Example', '10.1.2.3/8', '192.168.1.5', 'FD00::1/8', '::1'].map((e) =>
        normaliseAllowEntry(e.replace(/\.$/, '')),
      ),
    ).toEqual([
      { entry: 'cvat.internal' },
      { entry: '*.corp.example' },
      { entry: '10.0.0.0/8' },
      { entry: '192.168.1.5/32' },
      { entry: 'fd00::/8' },
      { entry: '::1/128' },
    ]);
  });

  it('refuses what would open every private target, and what is not a host', () => {
    for (const e of ['0.0.0.0/0', '10.0.0.0/7', '::/0', 'fc00::/6', 'a b', 'http://x/', '*.', '10.0.0.0/33'])
      expect({ e, ok: 'entry' in normaliseAllowEntry(e) }).toEqual({ e, ok: false });
  });

  it('matches hosts exactly or by wildcard subdomain, and addresses by network', () => {
    const list = compileAllowList(['cvat.internal', '*.corp.example', '10.0.0.0/8', 'fd00::/8']);
    expect(list.allowsHost('CVAT.internal')).toBe(true);
    expect(list.allowsHost('x.cvat.internal')).toBe(false);
    expect(list.allowsHost('ls.corp.example')).toBe(true);
    expect(list.allowsHost('corp.example.evil.com')).toBe(false);
    expect(list.allowsHost('10.9.8.7')).toBe(true);
    expect(list.allowsAddress('::ffff:10.0.0.1')).toBe(true); // IPv4-mapped, judged by its IPv4
    expect(list.allowsAddress('fd12::1')).toBe(true);
    expect(list.allowsAddress('11.0.0.1')).toBe(false);
    expect(list.allowsAddress('127.0.0.1')).toBe(false);
    expect(list.allowsAddress('not-an-ip')).toBe(false);
  });
});
