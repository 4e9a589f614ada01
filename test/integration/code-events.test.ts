import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventStream, type StreamMessage } from '../support/sse.ts';
import { renderCodes } from '../../src/jobs/render-code.ts';
import { publishCodeStatus } from '../../src/queue/code-status.ts';
import { freePort, startStack, type TestStack } from '../support/harness.ts';

// No render worker: the test runs the real processor itself, so it decides when each change happens.
let stack: TestStack;
let server: Server;
let base: string;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { SSE_KEEP_ALIVE_MS: '100' } });
  const port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' }) as Server;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.close();
  server.closeAllConnections();
  await stack.close();
});

const render = async (codeId: string) =>
  (
    await renderCodes(
      { data: { codeIds: [codeId] } },
      { db: stack.db, notify: (id, status) => publishCodeStatus(stack.redis, stack.config.queuePrefix, id, status) },
    )
  )[0];

async function submit(data: string): Promise<string> {
  const res = await stack.request('POST', '/v1/codes', { data });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

function open(id: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = fetch(`${base}/v1/codes/${id}/events`, {
    headers: { authorization: `Bearer ${stack.key.key}`, ...headers },
    signal: controller.signal,
  });
  return { response, abort: () => controller.abort() };
}

type Event = Extract<StreamMessage, { kind: 'event' }>;

/**
 * Reads events until `until` says stop (or the stream ends), counting keep-alive comments on the way.
 * Uses next() rather than for-await, whose break would close the stream.
 */
async function collect(
  messages: AsyncGenerator<StreamMessage>,
  until: (events: Event[], keepAlives: number) => boolean = () => false,
) {
  const events: Event[] = [];
  let keepAlives = 0;
  for (;;) {
    const { value: message, done } = await messages.next();
    if (done) break;
    if (message.kind === 'comment') keepAlives += message.text === 'keep-alive' ? 1 : 0;
    else events.push(message);
    if (until(events, keepAlives)) break;
  }
  return { events, keepAlives };
}

describe('GET /v1/codes/{id}/events', () => {
  it('streams queued → processing → succeeded live, then closes', async () => {
    const id = await submit(`sse live ${Date.now()}`);
    const { response } = open(id);
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = readEventStream(res.body!);
    const first = await collect(messages, (events) => events.length === 1);
    expect(first.events.map((e) => [e.id, e.event])).toEqual([['1', 'queued']]);
    // Held open until the worker moves the code on; keep-alive comments keep proxies from dropping it.
    const idle = await collect(messages, (_, keepAlives) => keepAlives === 1);
    expect(idle).toEqual({ events: [], keepAlives: 1 });
    expect(await render(id)).toMatchObject({ outcome: 'succeeded' });
    const rest = await collect(messages); // ends only because the server closes at the terminal state
    expect(rest.events.map((e) => [e.id, e.event])).toEqual([
      ['2', 'processing'],
      ['3', 'succeeded'],
    ]);
    const done = JSON.parse(rest.events[1]!.data);
    expect(done).toMatchObject({
      code_id: id,
      status: 'succeeded',
      code: { id, status: 'succeeded', result: { content_type: 'image/png' } },
    });
    expect(stack.codeStatus.channels()).toBe(0);
  });

  it('resumes from Last-Event-ID without losing or repeating an event', async () => {
    const id = await submit(`sse resume ${Date.now()}`);
    const first = open(id);
    const head = await collect(readEventStream((await first.response).body!), (events) => events.length === 1);
    first.abort();
    expect(head.events.map((e) => e.id)).toEqual(['1']);
    await render(id); // changes while the client is away
    const again = await collect(
      readEventStream((await open(id, { 'last-event-id': head.events[0]!.id! }).response).body!),
    );
    expect(again.events.map((e) => [e.id, e.event])).toEqual([
      ['2', 'processing'],
      ['3', 'succeeded'],
    ]);
    const all = await collect(readEventStream((await open(id).response).body!));
    expect(all.events.map((e) => e.event)).toEqual(['queued', 'processing', 'succeeded']);
    const none = await collect(readEventStream((await open(id, { 'last-event-id': '3' }).response).body!));
    expect(none.events).toEqual([]);
  });

  it('ends a canceled code with a canceled event', async () => {
    const id = await submit(`sse cancel ${Date.now()}`);
    const stream = open(id);
    const messages = readEventStream((await stream.response).body!);
    await collect(messages, (events) => events.length === 1);
    expect((await stack.request('POST', `/v1/codes/${id}/cancel`)).status).toBe(200);
    const rest = await collect(messages);
    expect(rest.events.map((e) => e.event)).toEqual(['canceled']);
  });

  it('answers problems, not streams, for unknown codes and missing keys', async () => {
    const unknown = await stack.request('GET', '/v1/codes/code_00000000000000000000000000/events');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    const other = await stack.seedKey();
    const id = await submit(`sse other ${Date.now()}`);
    const foreign = await stack.request('GET', `/v1/codes/${id}/events`, undefined, {
      authorization: `Bearer ${other.key}`,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('links.events token (EventSource cannot send Authorization)', () => {
  it('streams with the code-scoped token alone and refuses it for any other code or when tampered', async () => {
    const res = await stack.request('POST', '/v1/codes', { data: `sse token ${Date.now()}` });
    const code = (await res.json()) as { id: string; links: { events: string } };
    expect(code.links.events).toMatch(new RegExp(`^/v1/codes/${code.id}/events\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    const first = await fetch(`${base}${code.links.events}`);
    expect(first.status).toBe(200);
    const head = await collect(readEventStream(first.body!), (events) => events.length === 1);
    expect(head.events[0]).toMatchObject({ id: '1', event: 'queued' });

    const other = await submit(`sse token other ${Date.now()}`);
    const token = new URL(code.links.events, base).searchParams.get('token')!;
    for (const url of [
      `/v1/codes/${other}/events?token=${token}`,
      `/v1/codes/${other}?token=${token}`,
      `/v1/codes/${code.id}/events?token=${token}x`,
    ]) {
      const refused = await fetch(`${base}${url}`);
      expect(refused.status, url).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
