import { describe, expect, it } from 'vitest';
import { signLinkToken, verifyLinkToken } from '../../../src/api/link-token.ts';

const KEY = 'a-test-link-signing-key';
const grant = { scope: 'events', accountId: 'acct_1', resource: 'code_1', expires: 1_000 };

describe('link tokens', () => {
  it('round-trips a grant until it expires', () => {
    const token = signLinkToken(KEY, grant);
    expect(verifyLinkToken(KEY, token, 999)).toEqual(grant);
    expect(verifyLinkToken(KEY, token, 1_000)).toBeUndefined();
  });

  it('reads as neither the account id nor the resource, in any segment decoded', () => {
    const secret = { ...grant, accountId: 'acct_visible_marker', resource: '{"data":"render-params-marker"}' };
    const token = signLinkToken(KEY, secret);
    const decoded = [token, ...token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'))];
    for (const text of decoded) {
      expect(text).not.toContain('acct_visible_marker');
      expect(text).not.toContain('render-params-marker');
    }
    expect(signLinkToken(KEY, secret)).not.toBe(token); // a fresh IV each time: equal grants do not look equal
  });

  it('refuses another key, any changed byte, a readable (pre-sealing) token, and junk', () => {
    const token = signLinkToken(KEY, grant);
    const [iv, tag, body] = token.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const readable = `${Buffer.from(JSON.stringify(['events', 'acct_2', 'code_1', 1_000])).toString('base64url')}.sig`;
    for (const bad of [
      signLinkToken('another-key-entirely', grant),
      `${flip(iv)}.${tag}.${body}`,
      `${iv}.${flip(tag)}.${body}`,
      `${iv}.${tag}.${flip(body)}`,
      `${iv}.${tag}`,
      readable,
      '',
      '..',
      `${token}.x`,
    ]) {
      expect(verifyLinkToken(KEY, bad, 0), bad).toBeUndefined();
    }
  });
});
