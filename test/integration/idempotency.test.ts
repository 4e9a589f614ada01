import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimIdempotencyKey, deleteExpiredIdempotencyKeys } from '../../src/store/idempotency.ts';
import { startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
});
afterAll(() => stack.close());

const codeCount = async (accountId: string) =>
  Number(
    (
      await stack.db
        .selectFrom('codes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('Idempotency-Key on POST /v1/codes', () => {
  it('replays the first response for the same key and body', async () => {
    const key = await stack.seedKey();
    const headers = { authorization: `Bearer ${key.key}`, 'idempotency-key': 'order-1001' };
    const first = await stack.request('POST', '/v1/codes', { data: 'ticket 1001' }, headers);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.text();
    const again = await stack.request('POST', '/v1/codes', { data: 'ticket 1001' }, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await again.text()).toBe(firstBody);
    expect(await codeCount(key.account_id)).toBe(1);
  });

  it('refuses the same key with a different body (422) and scopes keys per account', async () => {
    const key = await stack.seedKey();
    const headers = { authorization: `Bearer ${key.key}`, 'idempotency-key': 'shared-key' };
    expect((await stack.request('POST', '/v1/codes', { data: 'one' }, headers)).status).toBe(202);
    const mismatch = await stack.request('POST', '/v1/codes', { data: 'two' }, headers);
    expect(mismatch.status).toBe(422);
    expect(((await mismatch.json()) as any).code).toBe('idempotency_key_reused');

    const other = await stack.seedKey();
    const theirs = await stack.request(
      'POST',
      '/v1/codes',
      { data: 'two' },
      { authorization: `Bearer ${other.key}`, 'idempotency-key': 'shared-key' },
    );
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 409 while the first request with the key is still in flight', async () => {
    const key = await stack.seedKey();
    const body = { data: 'slow one' };
    // The first request has claimed the key and not finished: exactly what the middleware records first.
    const { createHash } = await import('node:crypto');
    const requestHash = createHash('sha256').update('POST /v1/codes\n').update(JSON.stringify(body)).digest('hex');
    await claimIdempotencyKey(stack.db, { accountId: key.account_id, key: 'in-flight', requestHash, ttlHours: 24 });
    const res = await stack.request('POST', '/v1/codes', body, {
      authorization: `Bearer ${key.key}`,
      'idempotency-key': 'in-flight',
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).code).toBe('idempotency_in_flight');
  });

  it('two concurrent identical requests create exactly one code', async () => {
    for (let round = 0; round < 5; round++) {
      const key = await stack.seedKey();
      const headers = { authorization: `Bearer ${key.key}`, 'idempotency-key': `race-${round}` };
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => stack.request('POST', '/v1/codes', { data: `race ${round}` }, headers)),
      );
      const statuses = responses.map((r) => r.status);
      expect(
        statuses.every((s) => s === 202 || s === 409),
        String(statuses),
      ).toBe(true);
      expect(
        statuses.filter((s, i) => s === 202 && responses[i]!.headers.get('idempotent-replayed') === null),
      ).toHaveLength(1);
      expect(await codeCount(key.account_id)).toBe(1);
    }
  });

  it('forgets a key after its TTL: retention deletes the record and the key can serve a new request', async () => {
    const key = await stack.seedKey();
    const headers = { authorization: `Bearer ${key.key}`, 'idempotency-key': 'expires' };
    expect((await stack.request('POST', '/v1/codes', { data: 'first use' }, headers)).status).toBe(202);
    await stack.db
      .updateTable('idempotency_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('key', '=', 'expires')
      .execute();
    expect((await stack.request('POST', '/v1/codes', { data: 'second use' }, headers)).status).toBe(202);
    await stack.db
      .updateTable('idempotency_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('key', '=', 'expires')
      .execute();
    expect(await deleteExpiredIdempotencyKeys(stack.db, 100)).toBe(1);
    expect(await codeCount(key.account_id)).toBe(2);
  });

  it('refuses a malformed key with a 422 naming the header', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: 'x' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).errors[0].path).toBe('headers.idempotency-key');
  });
});
