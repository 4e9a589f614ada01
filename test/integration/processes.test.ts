import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createDb } from '../../src/store/db.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, jsonBody, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';

const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url);
});

describe('npm run migrate', () => {
  it('creates a missing database and migrates it, safely when two run at once', async () => {
    const env = uniqueEnv();
    databases.push(env.DATABASE_URL!);
    const runs = [startProcess('src/cli.ts', env, ['migrate']), startProcess('src/cli.ts', env, ['migrate'])];
    const codes = await Promise.all(runs.map(exited));
    expect(codes, runs.map((r) => r.output()).join('\n')).toEqual([0, 0]);
    const db = createDb({ databaseUrl: env.DATABASE_URL!, poolSize: 1 });
    try {
      const tables = await sql<{
        table_name: string;
      }>`select table_name from information_schema.tables where table_schema = 'public'`.execute(db);
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['codes', 'results']));
    } finally {
      await db.destroy();
    }
  }, 60_000);

  it('refuses invalid configuration with one line naming the variable', async () => {
    const child = startProcess('src/cli.ts', { ...uniqueEnv(), WORKERS: '-1', PORT: 'eighty' }, ['migrate']);
    expect(await exited(child)).toBe(1);
    const lines = child.output().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('invalid configuration: WORKERS'))).toBe(true);
    expect(lines.some((l) => l.startsWith('invalid configuration: PORT'))).toBe(true);
  });
});

describe('npm start', () => {
  it('migrates, serves, restarts a crashed worker and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const env: Record<string, string> = { ...uniqueEnv(), PORT: String(port), WORKERS: '1' };
    databases.push(env.DATABASE_URL!);
    const main = startProcess('src/main.ts', env);
    const base = `http://127.0.0.1:${port}`;
    try {
      await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 30_000, 200);
      const cli = startProcess('src/cli.ts', env, ['keys', 'create', '--account', 'start-test', '--json']);
      expect(await exited(cli), cli.output()).toBe(0);
      const authorization = `Bearer ${JSON.parse(cli.output()).key}`;
      const submitAndWait = async (data: string) => {
        const res = await fetch(`${base}/v1/codes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: jsonBody('POST', '/v1/codes', { data }),
        });
        expect(res.status).toBe(202);
        const location = res.headers.get('location')!;
        return eventually(
          async () => {
            const code = (await (await fetch(`${base}${location}`, { headers: { authorization } })).json()) as any;
            expect(code.status).toBe('succeeded');
            return code;
          },
          20_000,
          50,
        );
      };
      await submitAndWait('first');

      const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(main.pid)])
        .toString()
        .trim()
        .split('\n');
      const renderChild = children.find((line) => line.includes('workers/render.ts'));
      expect(renderChild, children.join('\n')).toBeDefined();
      // Each role runs with its own young generation (src/supervisor.ts heapFlags).
      const config = loadConfig(env, ROOT);
      expect(
        children.find((line) => line.includes('src/main.ts')),
        children.join('\n'),
      ).toContain(`--max-semi-space-size=${config.apiSemiSpaceMb} `);
      expect(renderChild).toContain(`--max-semi-space-size=${config.semiSpaceMb} `);
      process.kill(Number(renderChild!.trim().split(/\s+/)[0]), 'SIGKILL');
      await submitAndWait('after the crash');
    } finally {
      main.kill('SIGTERM');
    }
    const started = Date.now();
    expect(await exited(main), main.output()).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});
