// Shared capacity (issue 15): one account's slow uploads, parallel batches or held streams never
// take what other accounts need. Real PostgreSQL and Redis; a real HTTP server where sockets matter.
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyKeepAlive } from '../../src/api/server.ts';
import { eventually, freePort, jsonBody, startStack, type TestStack } from '../support/harness.ts';

const IDLE_MS = 1500; // shorter than the slow clients' 2 s between bytes
let stack: TestStack;
let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { BODY_IDLE_TIMEOUT_MS: String(IDLE_MS) } });
  port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
  applyKeepAlive(server, stack.config.httpKeepAliveTimeoutMs, stack.config.bodyTimeoutMs);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await stack.close();
});

/** A chunked CSV upload that sends its header row, then one byte every 2 s until the server answers. */
function slowUpload(key: string) {
  const socket: Socket = connect(port, '127.0.0.1');
  let answer = '';
  const startedAt = Date.now();
  socket.on('error', () => {}); // the server may close while a byte is on its way
  socket.on('data', (d) => (answer += d.toString()));
  socket.write(
    'POST /v1/batches HTTP/1.1\r\nHost: test\r\n' +
      `Authorization: Bearer ${key}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n` +
      '5\r\ndata\n\r\n',
  );
  const drip = setInterval(() => {
    if (socket.destroyed || answer) return;
    socket.write('1\r\nx\r\n');
  }, 2000);
  const ended = new Promise<{ status: number; elapsedMs: number }>((resolve) => {
    const done = () => {
      clearInterval(drip);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0), elapsedMs: Date.now() - startedAt });
    };
    socket.on('close', done);
  });
  return { ended, destroy: () => (clearInterval(drip), socket.destroy()) };
}

describe('slow uploads (BODY_IDLE_TIMEOUT_MS)', () => {
  it('10 uploads dripping a byte every 2 s end 408 after the idle time, store nothing, and another account never sees a 503', async () => {
    const other = await stack.seedKey();
    const uploads = Array.from({ length: 10 }, () => slowUpload(stack.key.key));
    let finished = false;
    const statuses: number[] = [];
    const traffic = (async () => {
      const auth = { authorization: `Bearer ${other.key}`, 'content-type': 'application/json' };
      for (let i = 0; !finished; i++) {
        const posted = await fetch(`${base}/v1/codes`, {
          method: 'POST',
          headers: auth,
          body: jsonBody('POST', '/v1/codes', { data: `meanwhile ${i}` }),
        });
        statuses.push(posted.status);
        const { id } = (await posted.json()) as { id: string };
        statuses.push((await fetch(`${base}/v1/codes/${id}`, { headers: auth })).status);
        statuses.push((await fetch(`${base}/v1/codes?limit=5`, { headers: auth })).status);
      }
    })();
    try {
      const results = await Promise.race([
        Promise.all(uploads.map((u) => u.ended)),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow uploads never ended')), 30_000)),
      ]);
      for (const { status, elapsedMs } of results) {
        expect(status).toBe(408);
        // The first pause (2 s) outlasts the idle time: cut off then, not before.
        expect(elapsedMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
      }
    } finally {
      finished = true;
      uploads.forEach((u) => u.destroy());
      await traffic;
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200, 202]));
    const batches = await stack.db.selectFrom('batches').select('id').execute();
    expect(batches).toEqual([]); // a cut-off upload leaves nothing behind
  });

  it('a JSON body that stalls is 408 too', async () => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.write(
      'POST /v1/codes HTTP/1.1\r\nHost: test\r\n' +
        `Authorization: Bearer ${stack.key.key}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"data":`,
    );
    await eventually(async () => answer.includes('request_timeout') && answer);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    socket.destroy();
  });
});

/** A raw HTTP/1.1 POST /v1/codes whose head and body go out in `pieces` (written `gapMs` apart); the answer once the server closes. */
function rawPost(
  pieces: (head: string) => string[],
  { headers = '', data = `sent whole ${Math.random()}`, gapMs = 30 } = {},
) {
  const body = JSON.stringify({ data });
  const head =
    'POST /v1/codes HTTP/1.1\r\nHost: test\r\nConnection: close\r\n' +
    `Authorization: Bearer ${stack.key.key}\r\nContent-Type: application/json\r\n${headers}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (d) => (answer += d.toString()));
  return {
    sent: JSON.parse(body).data as string,
    answer: new Promise<{ status: number; json: any }>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('close', () =>
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0),
          json: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4) || 'null'),
        }),
      );
      void (async () => {
        for (const [i, piece] of pieces(head + body).entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
          socket.write(piece);
        }
      })();
    }),
  };
}

describe('bodies that arrive in full', () => {
  it('a JSON body in the packet of its headers, or in pieces, reads as sent; with an Idempotency-Key, twice the same', async () => {
    const whole = rawPost((request) => [request]);
    expect(await whole.answer).toMatchObject({ status: 202, json: { data: whole.sent } });
    const pieces = rawPost((request) => [request.slice(0, 40), request.slice(40, -5), request.slice(-5)]);
    expect(await pieces.answer).toMatchObject({ status: 202, json: { data: pieces.sent } });
    // The key's middleware hashes the body and the handler reads it again: both see the bytes sent, and the
    // same request again is the same code.
    const once = { headers: `Idempotency-Key: whole-${Math.random()}\r\n`, data: `keyed ${Math.random()}` };
    const first = await rawPost((request) => [request], once).answer;
    expect(first).toMatchObject({ status: 202, json: { data: once.data } });
    const again = await rawPost((request) => [request], once).answer;
    expect(again).toMatchObject({ status: 202, json: { id: first.json.id, data: once.data } });
  });
});

describe('concurrent batches against the plan', () => {
  it('6 simultaneous uploads with a limit of 3 → exactly 3 accepted, the rest 429 too_many_batches', async () => {
    const key = await stack.seedKey({ plan: 'standard' });
    expect(stack.config.plans.standard!.maxConcurrentBatches).toBe(3);
    const upload = (i: number) =>
      stack.request('POST', '/v1/batches', `data\nrow-${i}-a\nrow-${i}-b\n`, {
        authorization: `Bearer ${key.key}`,
        'content-type': 'text/csv',
      });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(i)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
    for (const a of answers.filter((a) => a.status === 429))
      expect(((await a.json()) as { code: string }).code).toBe('too_many_batches');
    const stored = await stack.db.selectFrom('batches').select('id').where('account_id', '=', key.account_id).execute();
    expect(stored).toHaveLength(3);
  });
});

describe('per-account shares of event streams and waits', () => {
  it('one account holds at most SSE_MAX_PER_ACCOUNT streams; another account still gets its own', async () => {
    const small = await startStack({ workers: 0, env: { SSE_MAX_CONNECTIONS: '4', SSE_MAX_PER_ACCOUNT: '2' } });
    const open: Response[] = [];
    try {
      const other = await small.seedKey();
      const codeOf = async (auth: string) =>
        (
          (await (
            await small.request('POST', '/v1/codes', { data: `held ${Math.random()}` }, { authorization: auth })
          ).json()) as { id: string }
        ).id;
      const stream = (id: string, auth: string) =>
        small.request('GET', `/v1/codes/${id}/events`, undefined, { authorization: auth });
      const mine = `Bearer ${small.key.key}`;
      const theirs = `Bearer ${other.key}`;
      for (let i = 0; i < 2; i++) open.push(await stream(await codeOf(mine), mine));
      expect(open.map((r) => r.status)).toEqual([200, 200]);
      const third = await stream(await codeOf(mine), mine);
      expect(third.status).toBe(503);
      expect(((await third.json()) as { code: string }).code).toBe('too_many_streams');
      for (let i = 0; i < 2; i++) {
        const res = await stream(await codeOf(theirs), theirs);
        open.push(res);
        expect(res.status).toBe(200);
      }
      // A stream given back is the account's to open again.
      await open.shift()!.body!.cancel();
      await eventually(async () => {
        const again = await stream(await codeOf(mine), mine);
        if (again.status === 200) open.push(again);
        else await again.arrayBuffer();
        return again.status === 200;
      });
    } finally {
      await Promise.all(open.map((r) => r.body?.cancel().catch(() => {})));
      await small.close();
    }
  });

  it('past WAIT_MAX_PER_ACCOUNT, Prefer: wait is answered 202 at once, not applied; another account still waits', async () => {
    const small = await startStack({ workers: 0, env: { WAIT_MAX_PER_ACCOUNT: '1' } });
    try {
      const other = await small.seedKey();
      const prefer = { prefer: 'wait=3' };
      let firstDone = false;
      const first = small
        .request('POST', '/v1/codes', { data: 'waits its 3 s' }, prefer)
        .then((r) => ((firstDone = true), r));
      // The first request holds the account's one wait once it is subscribed to its code's status.
      await eventually(async () => small.codeStatus.channels() >= 1);
      const second = await small.request('POST', '/v1/codes', { data: 'past the share' }, prefer);
      expect(second.status).toBe(202);
      expect(second.headers.get('preference-applied')).toBeNull();
      expect(firstDone).toBe(false); // answered while the first still waits
      const theirs = await small.request(
        'POST',
        '/v1/codes',
        { data: 'their own wait' },
        { ...prefer, authorization: `Bearer ${other.key}` },
      );
      expect(theirs.headers.get('preference-applied')).toBe('wait=3');
      expect((await first).headers.get('preference-applied')).toBe('wait=3');
    } finally {
      await small.close();
    }
  });
});
