import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type CodeEvent } from '../../src/client/index.ts';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { codeStatusChannel } from '../../src/queue/code-status.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { createDb, type Db } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, jsonBody, ROOT, startProcess, uniqueEnv } from '../support/harness.ts';

// Long-lived requests must not hold an API process's drain to SHUTDOWN_TIMEOUT_MS (then exit 1):
// on SIGTERM, event streams end and Prefer: wait answers 202, and clients carry on elsewhere.
const env = { ...uniqueEnv(), WORKERS: '0', SHUTDOWN_TIMEOUT_MS: '15000' };
const config = loadConfig(env, ROOT);
let db: Db;
let redis: Redis;
let key: string;
beforeAll(async () => {
  redis = createRedis(config.redisUrl, 'producer');
  await prepareDatabase(config.databaseUrl);
  db = createDb({ databaseUrl: config.databaseUrl, poolSize: 2 });
  ({ key } = await createApiKey(db, {
    account: 'shutdown',
    plan: config.defaultPlan,
    rate: 1e6,
    burst: 1e6,
    secretsKey: config.secretsKey,
  }));
});
afterAll(async () => {
  redis?.disconnect();
  await db?.destroy();
  await dropDatabase(config.databaseUrl);
});

async function startApi() {
  const port = await freePort();
  const child = startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']);
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 20_000);
  return { child, base: `http://127.0.0.1:${port}` };
}

it('SIGTERM ends event streams and Prefer: wait at once, exits 0, and a waiting client resumes on another API process', async () => {
  const [a, b] = [await startApi(), await startApi()];
  const worker = { current: undefined as ReturnType<typeof startProcess> | undefined };
  try {
    // What a load balancer does for the client: A while it is up, then B.
    const balanced: typeof fetch = (input, init) => {
      const path = String(input).replace('http://balancer', '');
      return fetch(a.base + path, init).catch(() => fetch(b.base + path, init));
    };
    const client = createClient({ baseUrl: 'http://balancer', apiKey: key, fetch: balanced });
    const direct = createClient({ baseUrl: a.base, apiKey: key });
    const { id } = await client.submitCode({ data: `shutdown ${Date.now()}` });

    const seen: CodeEvent[] = [];
    const stream = (async () => {
      for await (const event of direct.events(id)) seen.push(event);
    })();
    const finishing = client.finished(id, { reconnectMs: 100 });
    const waitedFor = `shutdown wait ${Date.now()}`;
    const waiting = fetch(`${a.base}/v1/codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'wait=30' },
      body: jsonBody('POST', '/v1/codes', { data: waitedFor }),
    });
    await eventually(async () => {
      expect(seen.map((e) => e.status)).toEqual(['queued']);
      return true;
    }, 5000);
    // The Prefer: wait request is held once API A has written its code and subscribed to its status.
    const held = await eventually(
      async () => (await db.selectFrom('codes').select('id').where('data', '=', waitedFor).executeTakeFirst())?.id,
      5000,
      20,
    );
    await eventually(
      async () => {
        const [, subscribers] = (await redis.pubsub('NUMSUB', codeStatusChannel(config.queuePrefix, held))) as [
          string,
          number,
        ];
        expect(subscribers).toBe(1);
        return true;
      },
      5000,
      20,
    );

    a.child.kill('SIGTERM');
    expect(await exited(a.child), a.child.output()).toBe(0);
    await stream;
    expect(seen.map((e) => e.status)).toEqual(['queued']);
    const waited = await waiting;
    expect(waited.status).toBe(202);
    expect(waited.headers.get('location')).toMatch(/^\/v1\/codes\/code_/);

    // Rendering starts only now: the code finishes while its waiter is connected to B.
    worker.current = startProcess('workers/render.ts', env);
    const code = await finishing;
    expect(code.id).toBe(id);
    expect(code.status).toBe('succeeded');
  } finally {
    for (const child of [a.child, b.child, worker.current]) child?.kill('SIGTERM');
    await Promise.all([a.child, b.child, worker.current].filter((c) => c !== undefined).map(exited));
  }
}, 60_000);
