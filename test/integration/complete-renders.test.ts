// A worker records the renders that finish together in one statement (completeRenders): every result
// keeps its own bytes, whatever the sizes and byte values of the others sent with it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { newId } from '../../src/domain/ids.ts';
import { claimCodes, completeRenders, insertSubmissions } from '../../src/store/codes.ts';
import { createDb, type Db } from '../../src/store/db.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { ROOT, uniqueEnv } from '../support/harness.ts';

const config = loadConfig(uniqueEnv(), ROOT);
let db: Db;

beforeAll(async () => {
  await prepareDatabase(config.databaseUrl);
  db = createDb({ databaseUrl: config.databaseUrl, poolSize: 2 });
});
afterAll(async () => {
  await db.destroy();
  await dropDatabase(config.databaseUrl);
});

async function submitted(n: number): Promise<string[]> {
  const rows = await insertSubmissions(
    db,
    Array.from({ length: n }, (_, i) => ({
      id: newId('code'),
      account_id: 'acct_complete',
      symbology: 'qrcode',
      data: `complete ${i} ${Math.random()}`,
      format: 'png',
      options: '{}',
      metadata: '{}',
      result_key: `key-complete-${randomBytes(8).toString('hex')}`,
    })),
  );
  await claimCodes(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => row.id);
}

it('results recorded together each keep their own bytes, and a code without a new result still succeeds', async () => {
  const ids = await submitted(5);
  const keys = await db.selectFrom('codes').select(['id', 'result_key']).where('id', 'in', ids).execute();
  const keyOf = new Map(keys.map((row) => [row.id, row.result_key]));
  // Every byte value, an empty result, one byte, and a large one: a mix-up of offsets shows in any of them.
  const payloads = [
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.alloc(0),
    Buffer.from([0]),
    randomBytes(70_000),
  ];
  const items = ids.map(
    (codeId, i) =>
      i < payloads.length
        ? {
            codeId,
            result: {
              key: keyOf.get(codeId)!,
              sha256: 'b'.repeat(64),
              content_type: 'image/png',
              bytes: payloads[i]!,
              width: i + 1,
              height: i + 2,
            },
          }
        : { codeId }, // its result already stored (the content cache): nothing to insert
  );
  // The code without a result of its own points at one recorded in the same statement.
  await sql`update codes set result_key = ${keyOf.get(ids[0]!)!} where id = ${ids[4]!}`.execute(db);

  expect(await completeRenders(db, items)).toEqual(ids.map((id) => ({ id })));
  const stored = await sql<{ id: string; status: string; bytes: Buffer; width: number; height: number }>`
    select c.id, c.status, r.bytes, r.width, r.height from codes c join results r on r.key = c.result_key
    where c.id = any(${ids}::text[])`.execute(db);
  const byId = new Map(stored.rows.map((row) => [row.id, row]));
  payloads.forEach((bytes, i) => {
    const row = byId.get(ids[i]!)!;
    expect(row.status).toBe('succeeded');
    expect(Buffer.compare(row.bytes, bytes)).toBe(0);
    expect([row.width, row.height]).toEqual([i + 1, i + 2]);
  });
  expect(byId.get(ids[4]!)).toMatchObject({ status: 'succeeded', bytes: payloads[0] });
});

it('a statement with no new result at all records the codes', async () => {
  const ids = await submitted(2);
  expect(
    await completeRenders(
      db,
      ids.map((codeId) => ({ codeId })),
    ),
  ).toEqual(ids.map((id) => ({ id })));
});
