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

  it('refuses another key, a changed payload or signature, and junk', () => {
    const token = signLinkToken(KEY, grant);
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify(['events', 'acct_2', 'code_1', 1_000])).toString('base64url');
    for (const bad of [
      signLinkToken('another-key-entirely', grant),
      `${forged}.${signature}`,
      `${payload}.${signature}A`,
      `${payload}`,
      '',
      '..',
      `${token}.x`,
    ]) {
      expect(verifyLinkToken(KEY, bad, 0), bad).toBeUndefined();
    }
  });
});
