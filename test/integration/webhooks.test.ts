import { Worker } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, dispatchWebhooks, webhookDepsOf } from '../../src/jobs/deliver-webhook.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { signedHeaders } from '../../src/webhooks/sign.ts';
import {
  eventually,
  exited,
  freePort,
  startProcess,
  startStack,
  unchecked,
  type RequestBody,
  type TestStack,
} from '../support/harness.ts';
import { startReceiver } from '../support/receiver.ts';

// Local receivers: plain http on loopback is opened for these tests only; a short retry schedule.
const ENV = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
  WEBHOOK_RETRY_SCHEDULE: '200ms,200ms',
  WEBHOOK_SWEEP_MS: '50',
  WEBHOOK_LOCK_MS: '1000',
};

let stack: TestStack;
let stopWebhooks: () => Promise<void>;

/** An in-process webhooks worker + dispatcher loop, as workers/webhooks.ts runs them. */
function startWebhooksWorker(s: TestStack) {
  const connection = createRedis(s.config.redisUrl, 'worker');
  const deps = webhookDepsOf(s.config, s.db, s.queues);
  const worker = new Worker('webhooks', (job) => deliverWebhook(job, deps), {
    connection,
    prefix: s.config.queuePrefix,
    concurrency: 20,
    // The same stall settings as the process: BullMQ throttles stall checks queue-wide by the last worker's interval.
    lockDuration: s.config.webhookLockMs,
    stalledInterval: s.config.webhookLockMs,
  });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await dispatchWebhooks({
        db: s.db,
        queues: s.queues,
        schedule: s.config.webhookRetrySchedule,
        batch: 500,
        graceMs: s.config.webhookLockMs,
      }).catch(() => 0);
      await new Promise((r) => setTimeout(r, s.config.webhookSweepMs)); // the sweep period, as the worker's loop
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await worker.close();
    connection.disconnect();
  };
}

beforeAll(async () => {
  stack = await startStack({ env: ENV });
  stopWebhooks = startWebhooksWorker(stack);
});
afterAll(async () => {
  await stopWebhooks();
  await stack.close();
});

async function submit(body: Omit<RequestBody<'POST', '/v1/codes'>, 'data'>) {
  const res = await stack.request('POST', '/v1/codes', { data: `hello ${Math.random()}`, ...body });
  expect(res.status).toBe(202);
  return (await res.json()) as any;
}

async function createEndpoint(url: string, events?: RequestBody<'POST', '/v1/webhook-endpoints'>['events']) {
  const res = await stack.request('POST', '/v1/webhook-endpoints', { url, ...(events ? { events } : {}) });
  expect(res.status).toBe(201);
  return (await res.json()) as any;
}

/**
 * A fresh account (so only its own events reach the endpoint) with an endpoint at `url`, a JSON
 * caller using its key, and the endpoint's deliveries once `ready` says they are done.
 */
async function accountWithEndpoint(url: string) {
  const key = await stack.seedKey();
  const call = stack.requestAs(
    { headers: { authorization: `Bearer ${key.key}` } },
    async (res) => (await res.json()) as any,
  );
  const endpoint = await call('POST', '/v1/webhook-endpoints', { url });
  const deliveriesWhen = (ready: (first: any) => boolean, timeoutMs?: number) =>
    eventually(async () => {
      const list = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
      const latest = list.data[0];
      expect(latest !== undefined && ready(latest), `the latest delivery: ${JSON.stringify(latest)}`).toBe(true);
      return list.data as any[];
    }, timeoutMs);
  return { endpoint, call, deliveriesWhen };
}

async function deliveriesOf(endpointId: string) {
  const res = await stack.request('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`);
  expect(res.status).toBe(200);
  return ((await res.json()) as any).data as any[];
}

describe('signatures', () => {
  it('a receiver verifies deliveries with the standardwebhooks library; tampered body, old timestamp and wrong secret fail', async () => {
    const receiver = await startReceiver();
    try {
      const code = await submit({ webhook_url: receiver.url });
      expect(code.webhook_url).toBe(receiver.url);
      await receiver.arrived(1);
      const { headers, body } = receiver.received[0]!;
      const wh = new Webhook(stack.key.webhook_secret);
      const payload = wh.verify(body, headers as Record<string, string>) as any;
      expect(payload.type).toBe('code.succeeded');
      expect(payload.data.id).toBe(code.id);
      expect(payload.data.links.content).toBe(`/v1/codes/${code.id}/content`);
      expect(String(headers['webhook-id'])).toMatch(/^msg_/);

      expect(() => wh.verify(body.replace('succeeded', 'failed'), headers as Record<string, string>)).toThrow();
      const old = Math.floor(Date.now() / 1000) - 3600;
      const oldHeaders = signedHeaders([stack.key.webhook_secret], String(headers['webhook-id']), old, body);
      expect(() => wh.verify(body, oldHeaders)).toThrow();
      const other = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
      expect(() => other.verify(body, headers as Record<string, string>)).toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('after a rotation both the new and the old secret verify (two v1 signatures)', async () => {
    const receiver = await startReceiver();
    try {
      const rotated = await stack.request('POST', '/v1/account/webhook-secret/rotate');
      expect(rotated.status).toBe(200);
      const { webhook_secret } = (await rotated.json()) as any;
      expect(webhook_secret).toMatch(/^whsec_/);
      await submit({ webhook_url: receiver.url });
      await receiver.arrived(1);
      const { headers, body } = receiver.received[0]!;
      expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
      new Webhook(webhook_secret).verify(body, headers as Record<string, string>);
      new Webhook(stack.key.webhook_secret).verify(body, headers as Record<string, string>);
    } finally {
      await receiver.close();
    }
  });

  it('an endpoint signs with its own secret, shown once', async () => {
    const receiver = await startReceiver();
    const key = await stack.seedKey();
    try {
      const res = await stack.request(
        'POST',
        '/v1/webhook-endpoints',
        { url: receiver.url, events: ['code.succeeded'] },
        { authorization: `Bearer ${key.key}` },
      );
      expect(res.status).toBe(201);
      const endpoint = (await res.json()) as any;
      expect(endpoint.secret).toMatch(/^whsec_/);
      const read = (await (
        await stack.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, undefined, {
          authorization: `Bearer ${key.key}`,
        })
      ).json()) as any;
      expect(read.secret).toBeUndefined();
      await stack.request('POST', '/v1/codes', { data: 'endpoint secret' }, { authorization: `Bearer ${key.key}` });
      await receiver.arrived(1);
      const { headers, body } = receiver.received[0]!;
      new Webhook(endpoint.secret).verify(body, headers as Record<string, string>);
    } finally {
      await receiver.close();
    }
  });
});

describe('retries', () => {
  it('500, 500, 200: the same webhook-id three times and three attempts in the log', async () => {
    const receiver = await startReceiver((n) => ({ status: n < 2 ? 500 : 200 }));
    try {
      const { endpoint, call, deliveriesWhen } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/codes', { data: 'retry me' });
      const [delivery] = await deliveriesWhen((d) => d.status === 'succeeded');
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
      expect(delivery.attempts).toBe(3);
      expect(delivery.attempt_log.map((a: any) => a.status)).toEqual([500, 500, 200]);
      for (const a of delivery.attempt_log) expect(typeof a.duration_ms).toBe('number');
      // The failures started a streak on the endpoint; the success ended it.
      const after = await call('GET', `/v1/webhook-endpoints/${endpoint.id}`);
      expect(after.status).toBe('enabled');
      expect(after.failing_since).toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('a receiver down for the whole schedule leaves a failed delivery that POST …/retry delivers', async () => {
    const port = await freePort();
    const endpoint = await createEndpoint(`http://127.0.0.1:${port}/down`, ['code.failed', 'code.succeeded']);
    const code = await submit({});
    const failed = await eventually(async () => {
      const list = await deliveriesOf(endpoint.id);
      expect(list.map((d) => d.status)).toContain('failed');
      return list.find((d) => d.status === 'failed');
    });
    expect(failed.attempts).toBe(3);
    expect(failed.attempt_log.every((a: any) => a.status === null && a.error)).toBe(true);
    const receiver = await startReceiver(undefined, port);
    try {
      const res = await stack.request('POST', `/v1/webhook-deliveries/${failed.id}/retry`);
      expect(res.status).toBe(202);
      await receiver.arrived(1);
      const body = JSON.parse(receiver.received[0]!.body);
      expect(body.data.id).toBe(code.id);
      const after = await eventually(async () => {
        const d = (await (await stack.request('GET', `/v1/webhook-deliveries/${failed.id}`)).json()) as any;
        expect(d.status).toBe('succeeded');
        return d;
      });
      expect(after.attempts).toBe(4);
    } finally {
      await receiver.close();
      await stack.request('DELETE', `/v1/webhook-endpoints/${endpoint.id}`);
    }
  });

  it('410 Gone disables the endpoint; PATCH enabled: true switches it back on and it delivers again', async () => {
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 410 : 200 }));
    try {
      const { endpoint, call } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/codes', { data: 'gone' });
      const disabled = await eventually(async () => {
        const e = await call('GET', `/v1/webhook-endpoints/${endpoint.id}`);
        expect(e.status).toBe('disabled');
        return e;
      });
      expect(disabled.disabled_reason).toMatch(/410/);
      expect(receiver.received).toHaveLength(1);

      const enabled = await call('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, {
        enabled: true,
        events: ['code.succeeded'],
      });
      expect(enabled).toMatchObject({
        status: 'enabled',
        disabled_at: null,
        disabled_reason: null,
        failing_since: null,
        events: ['code.succeeded'],
      });
      const code = await call('POST', '/v1/codes', { data: 'back again' });
      await receiver.arrived(2);
      expect(JSON.parse(receiver.received[1]!.body).data.id).toBe(code.id);

      const off = await call('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { enabled: false });
      expect(off).toMatchObject({ status: 'disabled', disabled_reason: 'disabled by the account' });
    } finally {
      await receiver.close();
    }
  });

  it('a redirect is not followed: a 3xx to a private address is a failed attempt and nothing reaches it', async () => {
    const target = await startReceiver();
    const receiver = await startReceiver(() => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data' },
    }));
    try {
      const { call, deliveriesWhen } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/codes', { data: 'redirect' });
      const [delivery] = await deliveriesWhen((d) => d.status === 'failed');
      expect(delivery.attempt_log[0].status).toBe(302);
      expect(delivery.attempt_log[0].error).toMatch(/redirect/);
      expect(target.received).toHaveLength(0);
    } finally {
      await receiver.close();
      await target.close();
    }
  });
});

describe('processes', () => {
  it('a webhooks worker killed mid-delivery loses nothing: the delivery completes after restart', async () => {
    const port = await freePort();
    // The in-process worker must not take this account's jobs: stop it while the processes run.
    await stopWebhooks();
    const receiver = await startReceiver((n) => (n === 0 ? 'hang' : { status: 200 }), port);
    const env = { ...stack.env, WEBHOOK_TIMEOUT_MS: '60000' };
    const first = startProcess('workers/webhooks.ts', env);
    let second: ReturnType<typeof startProcess> | undefined;
    try {
      const { call, deliveriesWhen } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/codes', { data: 'kill me' });
      await receiver.arrived(1, 30_000);
      first.kill('SIGKILL');
      await exited(first);
      second = startProcess('workers/webhooks.ts', env);
      const [delivery] = await deliveriesWhen((d) => d.status === 'succeeded', 30_000);
      expect(receiver.received.length).toBeGreaterThanOrEqual(2);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await exited(second);
      await receiver.close();
      stopWebhooks = startWebhooksWorker(stack);
    }
  }, 120_000);

  it('an endpoint accepted under an allow-list is refused at send by a worker whose policy refuses it', async () => {
    const receiver = await startReceiver();
    await stopWebhooks();
    const strict = startProcess('workers/webhooks.ts', {
      ...stack.env,
      WEBHOOK_ALLOW_PRIVATE: '',
      WEBHOOK_RETRY_SCHEDULE: '100ms',
    });
    try {
      const { call, deliveriesWhen } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/codes', { data: 'refused at send' });
      const [delivery] = await deliveriesWhen((d) => d.status === 'failed', 30_000);
      expect(delivery.attempt_log.every((a: any) => /refused/.test(a.error))).toBe(true);
      expect(receiver.received).toHaveLength(0);
    } finally {
      strict.kill('SIGTERM');
      await exited(strict);
      await receiver.close();
      stopWebhooks = startWebhooksWorker(stack);
    }
  });
});

describe('batches', () => {
  it('a batch webhook_url gets batch.completed, signed with the account secret', async () => {
    const receiver = await startReceiver();
    try {
      const res = await stack.request(
        'POST',
        `/v1/batches?webhook_url=${encodeURIComponent(receiver.url)}`,
        'data\nrow one\nrow two\n',
        { 'content-type': 'text/csv' },
      );
      expect(res.status).toBe(202);
      const batch = (await res.json()) as any;
      expect(batch.webhook_url).toBe(receiver.url);
      expect(batch.webhook_events).toEqual(['batch.completed']);
      await eventually(async () => {
        const read = (await (await stack.request('GET', `/v1/batches/${batch.id}`)).json()) as any;
        expect(read.status).toBe('completed');
        return true;
      });
      await receiver.arrived(1);
      const { headers, body } = receiver.received[0]!;
      const payload = new Webhook(stack.key.webhook_secret).verify(body, headers as Record<string, string>) as any;
      expect(payload.type).toBe('batch.completed');
      expect(payload.data.id).toBe(batch.id);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('a batch webhook_url that asks for code events gets them, on an account without endpoints', async () => {
    const key = (await stack.seedKey()) as Awaited<ReturnType<typeof stack.seedKey>> & { webhook_secret: string };
    const receiver = await startReceiver();
    try {
      const query = `webhook_url=${encodeURIComponent(receiver.url)}&webhook_events=code.succeeded`;
      const res = await stack.request('POST', `/v1/batches?${query}`, 'data\nrow one\nrow two\n', {
        'content-type': 'text/csv',
        authorization: `Bearer ${key.key}`,
      });
      expect(res.status).toBe(202);
      const received = await receiver.arrived(2);
      const types = received.map(({ headers, body }) => {
        const payload = new Webhook(key.webhook_secret).verify(body, headers as Record<string, string>) as any;
        return payload.type;
      });
      expect(types).toEqual(['code.succeeded', 'code.succeeded']);
    } finally {
      await receiver.close();
    }
  });

  it('a bad batch webhook_url is a 422 naming query.webhook_url', async () => {
    const res = await stack.request('POST', '/v1/batches?webhook_url=http://10.0.0.1/', 'data\nx\n', {
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).errors.map((e: any) => e.path)).toContain('query.webhook_url');
  });
});

describe('event feed', () => {
  it('GET /v1/events?after= returns every event exactly once, in order, across pages', async () => {
    const key = await stack.seedKey();
    const auth = { authorization: `Bearer ${key.key}` };
    const ids = await Promise.all(
      Array.from(
        { length: 40 },
        async (_, i) =>
          ((await (await stack.request('POST', '/v1/codes', { data: `feed ${i}` }, auth)).json()) as any).id as string,
      ),
    );
    await eventually(async () => {
      const rows = await stack.db
        .selectFrom('codes')
        .select('id')
        .where('id', 'in', ids)
        .where('status', '=', 'succeeded')
        .execute();
      expect(rows).toHaveLength(ids.length);
      return true;
    });
    const seen: any[] = [];
    let after: string | undefined;
    await eventually(async () => {
      const res = await stack.request('GET', `/v1/events?limit=7${after ? `&after=${after}` : ''}`, undefined, auth);
      expect(res.status).toBe(200);
      const page = (await res.json()) as any;
      seen.push(...page.data);
      after = page.last_id ?? after;
      return seen.length >= ids.length;
    });
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort());
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expect(seen.map((e) => e.data.id).sort()).toEqual([...ids].sort());
    expect(seen.every((e) => e.type === 'code.succeeded')).toBe(true);
    const bad = await stack.request('GET', '/v1/events?after=nope', undefined, auth);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors[0].path).toBe('after');
  });
});

describe('events nobody could receive', () => {
  it('are written dispatched and stay in the feed; an endpoint created next receives the events written after it', async () => {
    const key = await stack.seedKey();
    const call = stack.requestAs(
      { headers: { authorization: `Bearer ${key.key}` } },
      async (res) => (await res.json()) as any,
    );
    const eventOf = async (codeId: string) =>
      eventually(() =>
        stack.db.selectFrom('events').select(['id', 'dispatched_at']).where('code_id', '=', codeId).executeTakeFirst(),
      );
    const before = await call('POST', '/v1/codes', { data: `unheard ${Math.random()}` });
    const unheard = await eventOf(before.id);
    // Nothing to deliver to: no webhook_url, no endpoint. The dispatcher never has to mark it.
    expect(unheard.dispatched_at).not.toBeNull();
    const feed = await eventually(async () => {
      const page = await call('GET', '/v1/events?limit=100');
      return page.data.some((e: any) => e.id === unheard.id) && page;
    });
    expect(feed.data.find((e: any) => e.id === unheard.id).data.id).toBe(before.id);

    const receiver = await startReceiver();
    try {
      const endpoint = await call('POST', '/v1/webhook-endpoints', { url: receiver.url });
      const after = await call('POST', '/v1/codes', { data: `heard ${Math.random()}` });
      const deliveries = await eventually(async () => {
        const list = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
        return list.data.some((d: any) => d.status === 'succeeded') && list.data;
      });
      expect(deliveries.map((d: any) => d.event_id)).toEqual([(await eventOf(after.id)).id]);
    } finally {
      await receiver.close();
    }
  });
});

describe('validation', () => {
  it('bad webhook fields are 422 problems with a path', async () => {
    for (const [body, path] of [
      [{ data: 'x', webhook_url: 42 }, 'webhook_url'],
      [{ data: 'x', webhook_url: 'not a url' }, 'webhook_url'],
      [{ data: 'x', webhook_url: 'http://127.0.0.1/', webhook_events: ['code.exploded'] }, 'webhook_events.0'],
      [{ data: 'x', webhook_events: ['code.failed'] }, 'webhook_events'],
    ] as const) {
      const res = await stack.request('POST', '/v1/codes', unchecked(body));
      expect(res.status).toBe(422);
      expect(((await res.json()) as any).errors.map((e: any) => e.path)).toContain(path);
    }
    const res = await stack.request(
      'POST',
      '/v1/webhook-endpoints',
      unchecked({ url: 'ftp://example.com/', events: 'all' }),
    );
    expect(res.status).toBe(422);
    const paths = ((await res.json()) as any).errors.map((e: any) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['url', 'events']));
    const endpoint = await createEndpoint('http://127.0.0.1:9/unused');
    const patch = await stack.request(
      'PATCH',
      `/v1/webhook-endpoints/${endpoint.id}`,
      unchecked({ url: 'http://169.254.169.254/', events: ['code.exploded'], enabled: 'yes', secret: 'x' }),
    );
    expect(patch.status).toBe(422);
    expect(((await patch.json()) as any).errors.map((e: any) => e.path).sort()).toEqual([
      'enabled',
      'events.0',
      'secret',
      'url',
    ]);
    expect((await stack.request('PATCH', '/v1/webhook-endpoints/whep_nope', { enabled: true })).status).toBe(404);
    await stack.request('DELETE', `/v1/webhook-endpoints/${endpoint.id}`);
  });
});

describe('test events and the event catalogue', () => {
  it('POST /v1/webhook-endpoints/{id}/test sends one signed webhook.test to that endpoint only, kept out of the event log', async () => {
    const receiver = await startReceiver();
    const other = await startReceiver();
    try {
      const { endpoint, call } = await accountWithEndpoint(receiver.url);
      await call('POST', '/v1/webhook-endpoints', { url: other.url });
      const before = await call('GET', '/v1/events');
      const delivery = await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
      expect(delivery).toMatchObject({ object: 'webhook_delivery', endpoint_id: endpoint.id, status: 'pending' });
      await receiver.arrived(1);
      const { headers, body } = receiver.received[0]!;
      const payload = new Webhook(endpoint.secret).verify(body, headers as Record<string, string>) as any;
      expect(payload).toMatchObject({
        type: 'webhook.test',
        data: { object: 'webhook_test', endpoint_id: endpoint.id },
      });
      const done = await eventually(async () => {
        const d = await call('GET', `/v1/webhook-deliveries/${delivery.id}`);
        return d.status === 'succeeded' ? d : undefined;
      });
      expect(done.attempt_log).toHaveLength(1);
      expect(other.received).toHaveLength(0);
      expect((await call('GET', '/v1/events')).data).toEqual(before.data);
      // Another account cannot test this endpoint.
      expect((await stack.request('POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).status).toBe(404);
    } finally {
      await receiver.close();
      await other.close();
    }
  });

  it('GET /v1/event-types lists every event type with a description and an example payload', async () => {
    const res = await stack.request('GET', '/v1/event-types');
    expect(res.status).toBe(200);
    const list = (await res.json()) as any;
    expect(list.data.map((e: any) => e.type)).toEqual([
      'code.succeeded',
      'code.failed',
      'code.canceled',
      'batch.completed',
      'webhook.test',
    ]);
    for (const entry of list.data) {
      expect(entry.description.length).toBeGreaterThan(10);
      expect(typeof entry.example).toBe('object');
    }
  });
});
