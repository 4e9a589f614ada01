// The access log: one line per request from a real API process, with what an operator greps for; and its
// sampling, which keeps every failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createApp } from '../../src/api/app.ts';
import { accessLog, type AccessLine } from '../../src/api/middleware/access-log.ts';
import { loadConfig } from '../../src/config.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { dropDatabase, prepareDatabase } from '../../src/store/migrate.ts';
import {
  eventually,
  exited,
  freePort,
  jsonBody,
  ROOT,
  startProcess,
  startStack,
  uniqueEnv,
} from '../support/harness.ts';

describe('access log of a real API process', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { ...uniqueEnv(), LOG_LEVEL: 'info', PORT: String(await freePort()) };
    await prepareDatabase(env.DATABASE_URL!);
  }, 30_000);
  afterAll(() => dropDatabase(env.DATABASE_URL!));

  it('writes one line per request: method, route, status, duration, request id, account id, bytes', async () => {
    const db = createDb({ databaseUrl: env.DATABASE_URL!, poolSize: 1 });
    const config = loadConfig(env, ROOT);
    const key = await createApiKey(db, { account: 'logged', plan: 'standard', secretsKey: config.secretsKey });
    await db.destroy();
    const api = startProcess('src/main.ts', env, ['api']);
    // Ready when it says so: a readiness poll would be a request in the log too.
    await eventually(async () => api.output().includes('"api listening"'), 30_000, 50);
    const base = `http://127.0.0.1:${env.PORT}`;
    const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };
    const body = jsonBody('POST', '/v1/codes', { data: 'logged' });
    const posted = await fetch(`${base}/v1/codes`, { method: 'POST', headers, body });
    const code = (await posted.json()) as { id: string };
    const read = await fetch(`${base}/v1/codes/${code.id}`, { headers });
    const readBytes = (await read.arrayBuffer()).byteLength;
    const missing = await fetch(`${base}/v1/codes/code_nope`, { headers });
    await missing.arrayBuffer();
    api.kill('SIGTERM');
    expect(await exited(api)).toBe(0);

    const lines = api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AccessLine & { msg: string })
      .filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(3);
    const common = { accountId: key.account_id, ms: expect.any(Number) };
    expect(lines[0]).toMatchObject({
      ...common,
      method: 'POST',
      route: '/v1/codes',
      status: 202,
      requestId: posted.headers.get('x-request-id'),
      bytesIn: body.length,
    });
    expect(lines[1]).toMatchObject({
      ...common,
      method: 'GET',
      route: '/v1/codes/:id',
      status: 200,
      requestId: read.headers.get('x-request-id'),
      // What went over the wire: the body and its headers.
      bytes: expect.toSatisfy((n: number) => n > readBytes && n < readBytes + 1000),
    });
    expect(lines[2]).toMatchObject({ ...common, route: '/v1/codes/:id', status: 404 });
    expect(lines.map((l) => l.requestId)).toEqual([...new Set(lines.map((l) => l.requestId))]);
  }, 60_000);

  it('a quiet API writes its buffered access lines within a second or so, without waiting to fill a page or to exit', async () => {
    const api = startProcess('src/main.ts', { ...env, PORT: String(await freePort()) }, ['api']);
    try {
      await eventually(async () => api.output().includes('"api listening"'), 30_000, 50);
      const port = /"port":(\d+)/.exec(api.output())![1];
      const missing = await fetch(`http://127.0.0.1:${port}/v1/codes/code_nope`);
      await missing.arrayBuffer();
      const line = await eventually(
        async () =>
          api
            .output()
            .split('\n')
            .find((l) => l.includes(missing.headers.get('x-request-id')!)),
        5_000,
        50,
      );
      expect(JSON.parse(line)).toMatchObject({ msg: 'request', status: missing.status });
    } finally {
      api.kill('SIGTERM');
      await exited(api);
    }
  }, 60_000);
});

describe('access log sampling', () => {
  it('ACCESS_LOG_SAMPLE writes that share of successes and every failure', async () => {
    const written: AccessLine[] = [];
    let flips = 0;
    const app = new Hono()
      .use(accessLog({ write: (line) => written.push(line), sample: 0.5, random: () => (flips++ % 2) * 0.9 }))
      .get('/ok', (c) => c.text('ok'))
      .get('/bad', (c) => c.text('bad', 500));
    for (let i = 0; i < 20; i++) await app.request('/ok');
    expect(written).toHaveLength(10);
    written.length = 0;
    for (let i = 0; i < 5; i++) await app.request('/bad');
    expect(written.map((l) => l.status)).toEqual([500, 500, 500, 500, 500]);
  });

  it('logs the route, never the raw path (a signed render URL carries its token there)', async () => {
    const stack = await startStack({ workers: 0 });
    try {
      const written: AccessLine[] = [];
      const app = createApp({ ...stack, accessLog: (line) => written.push(line) });
      const socket = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
      await app.request('/v1/render/eyJhIjoxfQ.c2lnbmF0dXJl', {}, socket);
      expect(written).toHaveLength(1);
      expect(JSON.stringify(written)).not.toMatch(/eyJhIjoxfQ/);
    } finally {
      await stack.close();
    }
  }, 30_000);
});
