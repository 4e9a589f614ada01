// The artillery processor's own logic (artillery/processor.mts): the webhook receiver accepts only
// Standard Webhooks signatures made with the key's secret, and the poll helpers stop at terminal states.
import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchPending,
  codePending,
  expectDelivered,
  expectSucceeded,
  webhookPending,
  webhookTarget,
} from '../../artillery/processor.mts';

const secretBytes = randomBytes(24);
const SECRET = `whsec_${secretBytes.toString('base64')}`;
const events = { emit: () => {} };

function sign(id: string, timestamp: string, body: string, key = secretBytes): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Runs an artillery function step and resolves with the error it passed on, if any. */
function step(
  fn: (context: any, events: any, next: (error?: Error) => void) => unknown,
  context: any,
): Promise<Error | undefined> {
  return new Promise((resolve) => void fn(context, events, resolve));
}

async function deliver(context: { vars: Record<string, unknown> }, signature: (body: string) => string): Promise<void> {
  const body = JSON.stringify({ type: 'code.succeeded', timestamp: new Date().toISOString(), data: { id: 'code_1' } });
  const res = await fetch(String(context.vars.webhookUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signature(body),
    },
    body,
  });
  expect(res.status).toBe(204);
}

afterEach(() => {
  delete process.env.CODES_WEBHOOK_SECRET;
});

describe('artillery processor', () => {
  it('receives a delivery signed with the key secret', async () => {
    process.env.CODES_WEBHOOK_SECRET = SECRET;
    const context = { vars: {} as Record<string, unknown> };
    expect(await step(webhookTarget, context)).toBeUndefined();
    expect(context.vars.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\//);
    const pending = () => new Promise<boolean>((resolve) => webhookPending(context, resolve));
    expect(await pending()).toBe(true);
    await deliver(context, (body) => sign('msg_1', '1700000000', body));
    expect(await pending()).toBe(false);
    expect(await step(expectDelivered, context)).toBeUndefined();
  });

  it('fails the virtual user on a signature made with another secret', async () => {
    process.env.CODES_WEBHOOK_SECRET = SECRET;
    const context = { vars: {} as Record<string, unknown> };
    await step(webhookTarget, context);
    await deliver(context, (body) => sign('msg_1', '1700000000', body, randomBytes(24)));
    expect((await step(expectDelivered, context))?.message).toMatch(/bad signature/);
  });

  it('polls codes and batches until terminal, and fails a code that did not succeed', async () => {
    const more = (fn: typeof codePending, vars: Record<string, unknown>) =>
      new Promise<boolean>((resolve) => fn({ vars }, resolve));
    expect(await more(codePending, { status: 'queued' })).toBe(true);
    expect(await more(codePending, { status: 'processing' })).toBe(true);
    expect(await more(codePending, { status: 'failed' })).toBe(false);
    expect(await more(batchPending, { batchStatus: 'validating' })).toBe(true);
    expect(await more(batchPending, { batchStatus: 'completed' })).toBe(false);
    expect((await step(expectSucceeded, { vars: { status: 'failed', codeId: 'code_1' } }))?.message).toMatch(
      /code_1 is failed/,
    );
    expect(await step(expectSucceeded, { vars: { status: 'succeeded', submittedAt: Date.now() } })).toBeUndefined();
  });
});
