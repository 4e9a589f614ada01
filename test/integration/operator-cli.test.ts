// The operator CLI as a process against real PostgreSQL: what each account and key command changes, what the
// API then answers (a suspended account's key is a 403), and the audit log of every change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, startProcess, startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  // Keys are looked up on every request, so a suspension shows on the next one.
  stack = await startStack({ workers: 0, env: { KEY_CACHE_TTL_MS: '0' } });
}, 60_000);
afterAll(() => stack?.close());

/** Runs `npm run cli -- ...args` as the operator `alice`; stdout and stderr apart. */
async function cli(...args: string[]) {
  const child = startProcess('src/cli.ts', stack.env, [...args, '--actor', 'alice']);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await exited(child);
  return { code, stdout, stderr };
}
const json = async (...args: string[]) => {
  const run = await cli(...args, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};
const asKey = (key: string) => ({ authorization: `Bearer ${key}` });

describe('operator CLI', () => {
  let accountId: string;
  let firstKey: string;
  let firstKeyId: string;

  it('keys create shows the webhook secret only when it creates the account', async () => {
    const created = await json('keys', 'create', '--account', 'ops-a');
    expect(created).toMatchObject({ account_created: true, webhook_secret: expect.stringMatching(/^whsec_/) });
    ({ account_id: accountId, key: firstKey, key_id: firstKeyId } = created);
    const again = await json('keys', 'create', '--account', 'ops-a');
    expect(again).toMatchObject({ account_id: accountId, account_created: false });
    expect(again).not.toHaveProperty('webhook_secret');
    const text = await cli('keys', 'create', '--account', 'ops-a');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^key: +ck_live_/m);
    expect(text.stdout).not.toMatch(/whsec_/);
  }, 30_000);

  it('keys create --quota and accounts set-quota set the monthly quota the API enforces and reports', async () => {
    const created = await json('keys', 'create', '--account', 'ops-quota', '--quota', '2');
    expect(created.monthly_quota).toBe(2);
    const key = asKey(created.key);
    for (const data of ['a', 'b']) expect((await stack.request('POST', '/v1/codes', { data }, key)).status).toBe(202);
    const refused = await stack.request('POST', '/v1/codes', { data: 'c' }, key);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).code).toBe('quota_exceeded');
    expect((await cli('accounts', 'set-quota', 'ops-quota', '3')).stdout).toMatch(/monthly quota 3/);
    expect((await stack.request('POST', '/v1/codes', { data: 'c' }, key)).status).toBe(202);
    const account = (await (await stack.request('GET', '/v1/account', undefined, key)).json()) as any;
    expect(account.quota).toMatchObject({ monthly: 3, used: 3, remaining: 0 });
    expect((await cli('accounts', 'set-quota', 'ops-quota', 'plan')).stdout).toMatch(/of plan standard/);
    const back = (await (await stack.request('GET', '/v1/account', undefined, key)).json()) as any;
    expect(back.quota.monthly).toBe(1_000_000);
    expect((await cli('accounts', 'set-quota', 'ops-quota', '0')).code).toBe(2);
  }, 30_000);

  it('accounts suspend makes its keys a 403 account_suspended; resume lets them in again', async () => {
    expect((await stack.request('GET', '/v1/codes', undefined, asKey(firstKey))).status).toBe(200);
    expect((await cli('accounts', 'suspend', 'ops-a')).stdout).toMatch(/ops-a: suspended/);
    const refused = await stack.request('GET', '/v1/codes', undefined, asKey(firstKey));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'account_suspended', status: 403 });
    // Another account is untouched.
    expect((await stack.request('GET', '/v1/codes')).status).toBe(200);
    expect((await cli('accounts', 'suspend', accountId)).stdout).toMatch(/already suspended/);
    expect((await cli('accounts', 'resume', 'ops-a')).stdout).toMatch(/ops-a: active/);
    expect((await stack.request('GET', '/v1/codes', undefined, asKey(firstKey))).status).toBe(200);
  }, 30_000);

  it('accounts set-plan moves the account to a plan of config/plans.json and refuses an unknown one', async () => {
    expect((await cli('accounts', 'set-plan', 'ops-a', 'pro')).code).toBe(0);
    const accounts = (await json('accounts', 'list')) as { id: string; plan: string }[];
    expect(accounts.find((a) => a.id === accountId)?.plan).toBe('pro');
    const refused = await cli('accounts', 'set-plan', 'ops-a', 'platinum');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no plan platinum/);
    expect((await cli('accounts', 'set-plan', 'nobody', 'pro')).stderr).toMatch(/no account nobody/);
  }, 30_000);

  it('accounts rotate-webhook-secret shows a new secret once', async () => {
    const first = await json('accounts', 'rotate-webhook-secret', 'ops-a');
    const second = await json('accounts', 'rotate-webhook-secret', accountId);
    expect(first.webhook_secret).toMatch(/^whsec_/);
    expect(second.webhook_secret).not.toBe(first.webhook_secret);
    expect(Date.parse(second.previous_secret_expires_at)).toBeGreaterThan(Date.now());
  }, 30_000);

  it('codes show prints any account’s code; an unknown id is an error', async () => {
    const submitted = await stack.request('POST', '/v1/codes', { data: 'operator-show' }, asKey(firstKey));
    const { id } = (await submitted.json()) as { id: string };
    expect(await json('codes', 'show', id)).toMatchObject({ id, account_id: accountId, data: 'operator-show' });
    const missing = await cli('codes', 'show', 'code_missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no code code_missing/);
  }, 30_000);

  it('audit lists every change with who made it, newest first', async () => {
    expect((await cli('keys', 'revoke', firstKeyId)).code).toBe(0);
    const entries = (await json('audit', '--account-id', accountId)) as { actor: string; action: string }[];
    expect(entries.map((e) => e.action).reverse()).toEqual([
      'account.created',
      'key.created',
      'key.created',
      'key.created',
      'account.suspended',
      'account.resumed',
      'account.plan_changed',
      'account.webhook_secret_rotated',
      'account.webhook_secret_rotated',
      'key.revoked',
    ]);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['alice']));
    expect(JSON.stringify(entries)).not.toMatch(/whsec_|ck_live_/);
  }, 30_000);
});
