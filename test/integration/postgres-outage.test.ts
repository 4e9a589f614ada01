import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { prepareDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, jsonBody, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';
import { startPostgresServer, type TestPostgres } from '../support/postgres.ts';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = startPostgresServer(await freePort());
});
afterAll(() => postgres?.destroy());

const OUTAGE_MS = 10_000;
const SUBMITTERS = 4;

it('PostgreSQL stopped for 10 s under load: 503 with Retry-After (never 500, never a hang), /readyz fails, then every accepted code succeeds', async () => {
  const env: Record<string, string> = {
    ...uniqueEnv(),
    DATABASE_URL: postgres.url('codes_outage'),
    KEY_CACHE_TTL_MS: '500',
    RECONCILE_EVERY_MS: '1000',
    RECONCILE_AFTER_MS: '3000',
  };
  const config = loadConfig(env, ROOT);
  await prepareDatabase(config.databaseUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 2 });
  const { key } = await createApiKey(db, {
    account: 'outage',
    plan: config.defaultPlan,
    rate: 1e6,
    burst: 1e6,
    secretsKey: config.secretsKey,
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const processes = [
    startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']),
    startProcess('workers/render.ts', env),
    startProcess('workers/maintenance.ts', env),
  ];
  const accepted: string[] = [];
  const during: { status: number; ms: number; retryAfter: string | null }[] = [];
  const unexpected: { phase: string; status: number; body: unknown }[] = [];
  let phase: 'before' | 'outage' | 'after' | 'done' = 'before';
  const acceptedIn = { before: 0, outage: 0, after: 0, done: 0 };
  let n = 0;
  try {
    await eventually(async () => (await fetch(`${base}/readyz`)).ok, 20_000, 100);
    const submitters = Array.from({ length: SUBMITTERS }, async () => {
      while (phase !== 'done') {
        const started = Date.now();
        const current = phase;
        const res = await fetch(`${base}/v1/codes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: jsonBody('POST', '/v1/codes', { data: `outage ${n++}` }),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status === 202) {
          accepted.push(body.id!);
          acceptedIn[current]++;
        }
        // A request in flight when PostgreSQL stops, or started before it is back, belongs to the outage.
        if (current === 'outage' || phase === 'outage')
          during.push({ status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') });
        else if (res.status !== 202) unexpected.push({ phase: current, status: res.status, body });
        await new Promise((r) => setTimeout(r, 20)); // the pace of a busy client, not a wait for anything
      }
    });

    // Load first: the outage begins once the stack has been serving the submitters.
    await eventually(
      async () => {
        expect(acceptedIn.before).toBeGreaterThanOrEqual(50);
        return true;
      },
      20_000,
      20,
    );
    phase = 'outage';
    postgres.stop();
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 503, 5000, 100);
    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself: how long PostgreSQL stays down
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    postgres.start();
    await eventually(async () => (await fetch(`${base}/readyz`)).ok, 20_000, 200);
    phase = 'after';
    // and once it is back, the submitters are served again before they stop.
    await eventually(
      async () => {
        expect(acceptedIn.after).toBeGreaterThanOrEqual(50);
        return true;
      },
      20_000,
      20,
    );
    phase = 'done';
    await Promise.all(submitters);
    // No process may die of the outage (a render worker did, of an unhandled pg client 'error').
    for (const child of processes) expect(child.exitCode, child.output()).toBeNull();

    // Before the outage and once /readyz is back, every submission is accepted.
    expect(unexpected).toEqual([]);
    const refused = during.filter((d) => d.status === 503);
    expect(refused.length).toBeGreaterThan(10);
    expect(
      during.every((d) => d.status === 202 || d.status === 503),
      JSON.stringify(during.filter((d) => d.status !== 503 && d.status !== 202)),
    ).toBe(true);
    expect(refused.every((d) => d.retryAfter !== null)).toBe(true);
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(10_000);

    // Every code the API accepted, before, during (if any) and after the outage, succeeds.
    const allSucceeded = await eventually(
      async () => {
        const rows = await sql<{
          n: number;
        }>`select count(*)::int as n from codes where status = 'succeeded' and id = any(${accepted})`.execute(db);
        return rows.rows[0]!.n === accepted.length;
      },
      90_000,
      500,
    ).catch(() => false);
    if (!allSucceeded) {
      const left = await sql<{
        id: string;
        status: string;
      }>`select id, status, created_at, started_at, error from codes where status <> 'succeeded' and id = any(${accepted}) limit 20`.execute(
        db,
      );
      expect.fail(
        `codes not succeeded: ${JSON.stringify(left.rows)}\n${processes.map((p) => p.output().slice(-4000)).join('\n---\n')}`,
      );
    }
    const total = await sql<{ n: number }>`select count(*)::int as n from codes`.execute(db);
    expect(total.rows[0]!.n).toBe(accepted.length);
    for (const child of processes) expect(child.exitCode, child.output()).toBeNull();
  } finally {
    phase = 'done';
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map(exited));
    await db.destroy();
  }
}, 150_000);
