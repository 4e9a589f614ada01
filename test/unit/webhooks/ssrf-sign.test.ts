import { BlockList } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config.ts';
import { nextDelayMs } from '../../../src/webhooks/schedule.ts';
import { signedHeaders } from '../../../src/webhooks/sign.ts';
import { checkUrlShape, refusedAddress, SsrfError } from '../../../src/webhooks/ssrf.ts';

const strict = { allowHttp: false, allowPrivate: new BlockList() };
const open = { allowHttp: true, allowPrivate: new BlockList() };

describe('ssrf', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.31.0.1',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    'fe80::1',
    'fd00:ec2::254',
    'ff02::1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    '2001:db8::1',
  ])('%s is refused', (address) => {
    expect(refusedAddress(address, strict)).toBeDefined();
  });
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('%s is allowed', (address) => {
    expect(refusedAddress(address, strict)).toBeUndefined();
  });
  it('an allow-list opens a named range only', () => {
    const allow = new BlockList();
    allow.addSubnet('127.0.0.0', 8, 'ipv4');
    expect(refusedAddress('127.0.0.1', { allowHttp: true, allowPrivate: allow })).toBeUndefined();
    expect(refusedAddress('10.0.0.1', { allowHttp: true, allowPrivate: allow })).toBeDefined();
  });
  it('numeric host spellings are normalised before the check', () => {
    for (const url of ['http://0x7f000001/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.1/'])
      expect(() => checkUrlShape(url, open)).toThrow(SsrfError);
  });
  it('https only unless allowed; no credentials; no other schemes', () => {
    expect(() => checkUrlShape('http://8.8.8.8/', strict)).toThrow(/https/);
    expect(checkUrlShape('http://8.8.8.8/', open).hostname).toBe('8.8.8.8');
    expect(() => checkUrlShape('https://u:p@8.8.8.8/', strict)).toThrow(/credentials/);
    expect(() => checkUrlShape('ftp://8.8.8.8/', open)).toThrow();
    expect(() => checkUrlShape('file:///etc/passwd', open)).toThrow();
  });
});

describe('signing and schedule', () => {
  it('signatures verify with the standardwebhooks library, with one or two secrets', () => {
    const a = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const b = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
    const body = '{"type":"code.succeeded"}';
    const headers = signedHeaders([a, b], 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(a).verify(body, headers)).toEqual({ type: 'code.succeeded' });
    expect(new Webhook(b).verify(body, headers)).toEqual({ type: 'code.succeeded' });
  });
  it('durations and jittered delays', () => {
    expect(['200ms', '5s', '5m', '2h', '1d'].map(parseDuration)).toEqual([200, 5000, 300_000, 7_200_000, 86_400_000]);
    expect(parseDuration('5 minutes')).toBeNaN();
    expect(nextDelayMs([1000, 2000], 1, () => 0.5)).toBe(1000);
    expect(nextDelayMs([1000, 2000], 2, () => 0)).toBe(1600);
    expect(nextDelayMs([1000, 2000], 3)).toBeUndefined();
  });
});
