// GET /v1/codes/{id}/content after retention removed the result: rendered again, verified as the worker
// does, and filed under the content key of today's renderers (never new bytes under an old key).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function succeededCode(data: string) {
  const res = await stack.request('POST', '/v1/codes', { data, verify: true });
  const code = await stack.waitForCode(((await res.json()) as { id: string }).id);
  expect(code.status).toBe('succeeded');
  const row = await stack.db
    .selectFrom('codes')
    .select('result_key')
    .where('id', '=', code.id)
    .executeTakeFirstOrThrow();
  return { id: code.id as string, key: row.result_key, sha256: code.result.sha256 as string };
}
const resultRow = (key: string) =>
  stack.db.selectFrom('results').select(['key', 'verification', 'sha256']).where('key', '=', key).executeTakeFirst();

it('a result removed by retention is rendered again with its verification, under its own key', async () => {
  const code = await succeededCode('https://example.com/retention');
  expect((await resultRow(code.key))?.verification).not.toBeNull();
  await stack.db.deleteFrom('results').where('key', '=', code.key).execute();

  const res = await stack.request('GET', `/v1/codes/${code.id}/content`);
  expect(res.status).toBe(200);
  expect(res.headers.get('etag')).toBe(`"${code.sha256}"`);
  const stored = await resultRow(code.key);
  expect(stored?.verification).toMatchObject({ verified: true });
});

it('after a renderer upgrade the new bytes are filed under the new key and the code points at them', async () => {
  const code = await succeededCode('https://example.com/upgrade');
  // As if written by older renderer versions: an old key whose result retention has removed.
  const oldKey = 'f'.repeat(64);
  await stack.db.updateTable('codes').set({ result_key: oldKey }).where('id', '=', code.id).execute();
  await stack.db.deleteFrom('results').where('key', '=', code.key).execute();

  const res = await stack.request('GET', `/v1/codes/${code.id}/content`);
  expect(res.status).toBe(200);
  expect(await resultRow(oldKey)).toBeUndefined();
  expect((await resultRow(code.key))?.verification).toMatchObject({ verified: true });
  const row = await stack.db
    .selectFrom('codes')
    .select('result_key')
    .where('id', '=', code.id)
    .executeTakeFirstOrThrow();
  expect(row.result_key).toBe(code.key);
});
