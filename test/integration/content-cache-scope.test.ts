// The content cache does not tell one account what another rendered (issue 15, finding 16): account B
// submitting exactly what account A rendered sees what it would see for new content — the same status,
// the same headers, and a render of its own (so no timing difference either); A's own repeats are
// still answered from the cache at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type RequestBody, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 1 });
});
afterAll(() => stack.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const secret = { payload: { type: 'wifi', ssid: 'HQ', password: 'hunter2-secret' } } satisfies RequestBody<
  'POST',
  '/v1/codes'
>;

/** Waits until the account's code is finished and returns its status. */
const finished = (id: string, key: string) =>
  eventually(async () => {
    const code = (await (await stack.request('GET', `/v1/codes/${id}`, undefined, bearer(key))).json()) as any;
    expect(code.status).toMatch(/^(succeeded|failed|canceled)$/);
    return code.status as string;
  });

/** What a 202 shows, with what differs for every request anyway (ids, times, limits) taken out. */
async function shape(res: Response) {
  const body = (await res.json()) as any;
  const headers = [...res.headers.entries()]
    .filter(([name]) => !['location', 'ratelimit', 'ratelimit-policy', 'content-length', 'x-request-id'].includes(name))
    .sort();
  const { id: _id, created_at: _c, links: _l, data: _d, ...rest } = body;
  return { status: res.status, headers, body: rest, id: body.id as string };
}

describe('the content cache is scoped to the account', () => {
  it("B submitting A's rendered Wi-Fi password sees what it sees for a wrong guess", async () => {
    const alice = await stack.seedKey();
    const bob = await stack.seedKey();
    const first = (await (await stack.request('POST', '/v1/codes', secret, bearer(alice.key))).json()) as any;
    expect(await finished(first.id, alice.key)).toBe('succeeded');
    // Alice's own repeat is answered at once.
    const repeat = (await (await stack.request('POST', '/v1/codes', secret, bearer(alice.key))).json()) as any;
    expect(repeat.status).toBe('succeeded');

    const wrongGuess = { payload: { ...secret.payload, password: 'wrong-guess-1' } };
    const right = await shape(await stack.request('POST', '/v1/codes', secret, bearer(bob.key)));
    const wrong = await shape(await stack.request('POST', '/v1/codes', wrongGuess, bearer(bob.key)));
    expect(right.status).toBe(202);
    expect(right.body.status).toBe('queued');
    expect({ ...right, id: '' }).toEqual({ ...wrong, id: '' });

    // Bob's code is rendered for Bob (the worker does not find Alice's result): no shortcut to time.
    expect(await finished(right.id, bob.key)).toBe('succeeded');
    const keys = await stack.db
      .selectFrom('codes')
      .select(['account_id', 'result_key'])
      .where('id', 'in', [first.id, right.id])
      .execute();
    expect(new Set(keys.map((k) => k.result_key)).size).toBe(2);
    const results = await stack.db
      .selectFrom('results')
      .select('key')
      .where(
        'key',
        'in',
        keys.map((k) => k.result_key),
      )
      .execute();
    expect(results).toHaveLength(2);
  });

  it("GET /v1/render: A's render is a miss for B (a code of B's own is recorded and rendered)", async () => {
    const alice = await stack.seedKey();
    const bob = await stack.seedKey();
    const url = '/v1/render?data=render-scope-secret&format=svg';
    expect((await stack.request('GET', url, undefined, bearer(alice.key))).status).toBe(200);
    const codesOf = async (accountId: string) =>
      (await stack.db.selectFrom('codes').select('id').where('account_id', '=', accountId).execute()).length;
    // A hit for A records nothing; for B, the same URL is a miss like any new content.
    expect((await stack.request('GET', url, undefined, bearer(alice.key))).status).toBe(200);
    expect(await codesOf(alice.account_id)).toBe(1);
    const bobs = await stack.request('GET', url, undefined, bearer(bob.key));
    expect(bobs.status).toBe(200);
    expect(await codesOf(bob.account_id)).toBe(1);
  });
});
