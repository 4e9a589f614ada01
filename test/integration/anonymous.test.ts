// Anonymous access is safe by design (issue 15, findings 13 and 5): without a key a caller may render
// and read by id, nothing else; a credential sent but not recognised is a 401, never a silent anonymous
// call; and an anonymous account's webhooks can neither be set nor loop in the sweep.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverWebhook, dispatchWebhooks, webhookDepsOf } from '../../src/jobs/deliver-webhook.ts';
import { insertSubmissions } from '../../src/store/codes.ts';
import { newId } from '../../src/domain/ids.ts';
import { newApiKey } from '../../src/domain/secrets.ts';
import { startStack, unchecked, type RequestBody, type SendRequest, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    workers: 0,
    env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms' },
  });
});
afterAll(() => stack.close());

// One address per test (everyone behind it shares its anonymous account and its rate limit).
let tests = 0;
let anon: SendRequest;
beforeEach(() => {
  anon = stack.requestAs({ headers: { authorization: '' }, ip: `203.0.113.${++tests}` });
});

describe('what an anonymous caller may do', () => {
  it('renders and reads its codes by id', async () => {
    const created = await anon('POST', '/v1/codes', { data: 'anonymous hello' });
    expect(created.status).toBe(202);
    const code = (await created.json()) as any;
    expect((await anon('GET', `/v1/codes/${code.id}`)).status).toBe(200);
    expect((await anon('GET', `/v1/codes/${code.id}/content`)).status).toBe(409); // not rendered yet: no worker
    expect((await anon('GET', '/v1/symbologies')).status).toBe(200);
    expect((await anon('POST', '/v1/render-urls', { data: 'x' })).status).toBe(201);
  });

  it.each([
    ['GET', '/v1/codes'],
    ['GET', '/v1/codes?status=queued'],
    ['POST', '/v1/codes/code_00000000000000000000000000/cancel'],
    ['POST', '/v1/batches'],
    ['POST', '/v1/batches?validate_only=true'],
    ['GET', '/v1/batches'],
    ['GET', '/v1/webhook-endpoints'],
    ['POST', '/v1/webhook-endpoints'],
    ['GET', '/v1/events'],
    ['POST', '/v1/account/webhook-secret'],
  ])('%s %s is a 403 api_key_required', async (method, url) => {
    const res = await anon(method, url, method === 'POST' ? unchecked('data\nx\n') : undefined, {
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(403);
    const problem = (await res.json()) as any;
    expect(problem.code).toBe('api_key_required');
    expect(problem.detail).toContain('API key');
  });

  it('two callers behind one NAT cannot list or cancel each other’s codes', async () => {
    const theirs = (await (await anon('POST', '/v1/codes', { data: 'colleague' })).json()) as any;
    expect((await anon('POST', `/v1/codes/${theirs.id}/cancel`)).status).toBe(403);
    expect((await anon('GET', '/v1/codes')).status).toBe(403);
    const still = (await (await anon('GET', `/v1/codes/${theirs.id}`)).json()) as any;
    expect(still.status).toBe('queued');
  });

  it('cannot set a webhook on a code: a 403 naming the field', async () => {
    const bodies: RequestBody<'POST', '/v1/codes'>[] = [
      { data: 'x', webhook_url: 'https://example.com/hook' },
      { data: 'x', webhook_events: ['code.succeeded'] },
    ];
    for (const body of bodies) {
      const res = await anon('POST', '/v1/codes', body);
      expect(res.status).toBe(403);
      const problem = (await res.json()) as any;
      expect(problem.code).toBe('api_key_required');
      expect(problem.errors[0].path).toBe(Object.keys(body)[1]);
    }
  });

  it('with a key, the same requests are served', async () => {
    expect((await stack.request('GET', '/v1/codes')).status).toBe(200);
    expect((await stack.request('GET', '/v1/webhook-endpoints')).status).toBe(200);
  });
});

describe('a credential present but not recognised is a 401, not anonymous', () => {
  it.each([
    ['x-api-key', { 'x-api-key': 'sk_live_whatever' }],
    ['api-key', { 'api-key': 'sk_live_whatever' }],
    ['an empty Authorization', { authorization: ' ' }],
    ['Basic auth', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bearer without a token', { authorization: 'Bearer' }],
    ['an unknown key', { authorization: `Bearer ${newApiKey()}` }],
  ])('%s', async (_name, headers) => {
    const res = await stack.request(
      'POST',
      '/v1/codes',
      { data: 'x' },
      { authorization: '', ...headers },
      { ip: '198.51.100.70' },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await res.json()) as any).code).toBe('unauthorized');
  });
});

describe("an anonymous account's webhooks never loop (finding 5)", () => {
  it('a code.succeeded of an anonymous account (set before this fix) gets no delivery, and a pending one fails once', async () => {
    const accountId = 'acct_anon_0123456789abcdef01234567';
    // As the API accepted before: an anonymous code with a webhook_url, then its render finishing.
    const [code] = await insertSubmissions(stack.db, [
      {
        id: newId('code'),
        account_id: accountId,
        symbology: 'qrcode',
        data: 'x',
        format: 'png',
        options: '{}',
        metadata: '{}',
        result_key: 'k'.repeat(64),
        webhook_url: 'http://127.0.0.1:9/hook',
      },
    ]);
    await stack.db
      .updateTable('codes')
      .set({ status: 'processing', started_at: new Date() })
      .where('id', '=', code!.id)
      .execute();
    await stack.db
      .updateTable('codes')
      .set({
        status: 'failed',
        completed_at: new Date(),
        error: JSON.stringify({ code: 'render_failed', message: 'x', retryable: false }),
      })
      .where('id', '=', code!.id)
      .execute();
    const events = await stack.db.selectFrom('events').selectAll().where('account_id', '=', accountId).execute();
    expect(events.length).toBeGreaterThan(0);

    const sweep = () =>
      dispatchWebhooks({
        db: stack.db,
        queues: stack.queues,
        schedule: stack.config.webhookRetrySchedule,
        batch: 100,
        graceMs: 0,
      });
    expect(await sweep()).toBe(0);
    expect(await stack.db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([]);

    // A delivery left pending by an older version: the sweep finds it overdue once, its attempt fails it for good.
    await stack.db
      .insertInto('webhook_deliveries')
      .values({
        id: `msg_${events[0]!.id.slice(4)}_code`,
        account_id: accountId,
        event_id: events[0]!.id,
        endpoint_id: null,
        target: 'code',
        url: 'http://127.0.0.1:9/hook',
        status: 'pending',
        max_attempts: 5,
        next_attempt_at: new Date(Date.now() - 60_000),
      })
      .execute();
    expect(await sweep()).toBe(1);
    const deps = webhookDepsOf(stack.config, stack.db, stack.queues);
    const [job] = await stack.queues.webhooks.getJobs(['waiting', 'delayed', 'prioritized']);
    const outcome = await deliverWebhook(job as any, deps);
    expect(outcome).toMatchObject({ status: 'failed' });
    const delivery = await stack.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
    expect(delivery.status).toBe('failed');
    expect(delivery.last_error).toContain('anonymous');
    await stack.queues.webhooks.obliterate({ force: true });
    for (let i = 0; i < 3; i++) expect(await sweep()).toBe(0);
  });
});

describe('the OpenAPI document says which operations need a key', () => {
  it('lists api_key_required (403) exactly on the operations outside the anonymous allowlist', async () => {
    const doc = (await (await stack.request('GET', '/openapi.json')).json()) as any;
    const forbidden = (path: string, method: string) =>
      String(doc.paths[path]?.[method]?.responses?.['403']?.description ?? '').includes('api_key_required');
    expect(forbidden('/v1/codes', 'get')).toBe(true);
    expect(forbidden('/v1/codes/{id}/cancel', 'post')).toBe(true);
    expect(forbidden('/v1/batches', 'post')).toBe(true);
    expect(forbidden('/v1/codes', 'post')).toBe(false);
    expect(forbidden('/v1/codes/{id}', 'get')).toBe(false);
    expect(forbidden('/v1/render', 'get')).toBe(false);
  });
});
