import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/store/migrate.ts';
import {
  eventually,
  exited,
  freePort,
  startProcess,
  startRedisServer,
  startStack,
  uniqueEnv,
} from '../support/harness.ts';

const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url);
});

async function createKey(env: Record<string, string>, args: string[]): Promise<{ key: string; key_id: string }> {
  const cli = startProcess('src/cli.ts', env, ['keys', 'create', '--json', ...args]);
  expect(await exited(cli), cli.output()).toBe(0);
  return JSON.parse(cli.output());
}

describe('limits across processes', () => {
  it('two API processes share one bucket', async () => {
    const env = uniqueEnv({ WORKERS: '0' });
    databases.push(env.DATABASE_URL!);
    const { key } = await createKey(env, ['--account', 'shared', '--rate', '0.001', '--burst', '10']);
    const ports = [await freePort(), await freePort()];
    const apis = ports.map((port) => startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']));
    try {
      for (const port of ports)
        await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 20_000, 100);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/v1/codes`, {
          headers: { authorization: `Bearer ${key}` },
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual(Array(10).fill(429));
    } finally {
      for (const api of apis) api.kill('SIGTERM');
      for (const api of apis) expect(await exited(api)).toBe(0);
    }
  }, 60_000);

  it('keeps answering while Redis is unreachable: limits from memory, submissions 503 with Retry-After, never 500', async () => {
    const port = await freePort();
    let redis = await startRedisServer({ port });
    const stack = await startStack({ workers: 0, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    try {
      const created = (await (await stack.request('POST', '/v1/codes', { data: 'before the outage' })).json()) as any;
      redis.kill('SIGKILL');
      await exited(redis);

      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const read = await stack.request('GET', `/v1/codes/${created.id}`);
        expect(read.status).toBe(200);
        expect(read.headers.get('ratelimit')).toMatch(/^"standard";r=\d+/);
        const submit = await stack.request('POST', '/v1/codes', { data: `during the outage ${i}` });
        expect(submit.status).toBe(503);
        expect(submit.headers.get('retry-after')).toBe('1');
        expect(((await submit.json()) as any).code).toBe('service_unavailable');
        // "never hangs": both answers come back well within a client's patience.
        expect(Date.now() - started).toBeLessThan(5000);
      }
      const rows = await stack.db.selectFrom('codes').select('data').execute();
      expect(rows.map((r) => r.data)).toEqual(['before the outage']);

      redis = await startRedisServer({ port });
      await eventually(
        async () => (await stack.request('POST', '/v1/codes', { data: 'after the outage' })).status === 202,
        15_000,
        200,
      );
    } finally {
      await stack.close();
      redis.kill('SIGTERM');
      await exited(redis);
    }
  }, 60_000);
});
