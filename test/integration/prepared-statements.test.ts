import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { newId } from '../../src/domain/ids.ts';
import { claimCodes, completeRenders, insertSubmissions } from '../../src/store/codes.ts';
import { createDb, type Db } from '../../src/store/db.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { ROOT, uniqueEnv } from '../support/harness.ts';

// The API runs its intake insert, and render workers their claims and completions, as named prepared
// statements (executePrepared).
// PostgreSQL refuses to run a prepared statement whose result columns changed since it was planned
// ("cached plan must not change result type"), so a `select *` would break every running API and
// worker on the first migration that adds a column, until each was restarted.
const config = loadConfig(uniqueEnv(), ROOT);
let db: Db;

beforeAll(async () => {
  await prepareDatabase(config.databaseUrl);
  db = createDb({ databaseUrl: config.databaseUrl, poolSize: 1 }); // one connection: the one that prepared
});
afterAll(async () => {
  await db.destroy();
  await dropDatabase(config.databaseUrl);
});

async function submitClaimComplete(n: number) {
  const [row] = await insertSubmissions(db, [
    {
      id: newId('code'),
      account_id: 'acct_prepared',
      symbology: 'qrcode',
      data: `prepared ${n}`,
      format: 'png',
      options: '{}',
      metadata: '{}',
      result_key: `key-prepared-${n}`,
    },
  ]);
  const claimed = await claimCodes(db, [row!.id]);
  const completed = await completeRenders(db, [
    {
      codeId: row!.id,
      result: {
        key: `key-prepared-${n}`,
        sha256: 'a'.repeat(64),
        content_type: 'image/png',
        bytes: Buffer.from([n]),
        width: 1,
        height: 1,
      },
    },
  ]);
  return { id: row!.id, claimed, completed };
}

it('a column added to codes and results while the API and a worker run does not break their prepared inserts, claims and completions', async () => {
  const first = await submitClaimComplete(1);
  expect(first.claimed.map((c) => [c.id, c.status])).toEqual([[first.id, 'processing']]);
  expect(first.completed).toEqual([{ id: first.id }]);

  await sql`alter table codes add column added_later text`.execute(db);
  await sql`alter table results add column added_later text`.execute(db);

  const second = await submitClaimComplete(2);
  expect(second.claimed.map((c) => [c.id, c.status, c.cached])).toEqual([[second.id, 'processing', false]]);
  expect(second.completed).toEqual([{ id: second.id }]);
  const { rows } = await sql<{
    status: string;
    bytes: Buffer;
  }>`select c.status, r.bytes from codes c join results r on r.key = c.result_key where c.id = ${second.id}`.execute(
    db,
  );
  expect(rows).toEqual([{ status: 'succeeded', bytes: Buffer.from([2]) }]);
});
