// The harness types every body a test sends from the document's generated types (test/support/request-body.ts).
// The `@ts-expect-error` lines are the half of this test that `npm run typecheck` runs: should the harness's
// `request` take any body (loosened to `unknown`, or a route no longer matched), each directive is unused and
// tsc fails. The other half checks what goes on the wire.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SendRequest, TestStack } from '../../support/harness.ts';
import { wireBody, jsonBody, ndjson, unchecked } from '../../support/request-body.ts';

/** A `request` of the stack's own type that records what it would send instead of sending it. */
function recorder() {
  const sent: { method: string; url: string; body: string | Uint8Array | undefined }[] = [];
  const request: TestStack['request'] = async (method: string, url: string, body?: unknown, ..._rest: unknown[]) => {
    sent.push({ method, url, body: wireBody(body) });
    return new Response(null, { status: 204 });
  };
  return { request, sent };
}

const id = `whep_${'0'.repeat(26)}`;

describe('the body of a test request is the one the document describes', () => {
  it('the stack request is the typed one', () => {
    expectTypeOf<TestStack['request']>().toEqualTypeOf<SendRequest>();
  });

  it('sends bodies the document accepts, by method and path template, as JSON', async () => {
    const { request, sent } = recorder();
    await request('POST', '/v1/codes', { data: 'x', format: 'svg', payload: undefined });
    await request('POST', '/v1/codes', { payload: { type: 'wifi', ssid: 'HQ' } });
    await request('PATCH', `/v1/webhook-endpoints/${id}`, { enabled: false });
    await request('POST', `/v1/keys/${id}/roll`);
    await request('POST', `/v1/keys/${id}/roll`, { grace_seconds: 60 });
    await request('POST', '/v1/batches?validate_only=true', 'data\nx\n', { 'content-type': 'text/csv' });
    await request('GET', '/v1/codes?limit=2');
    expect(sent.map((s) => s.body)).toEqual([
      '{"data":"x","format":"svg"}',
      '{"payload":{"type":"wifi","ssid":"HQ"}}',
      '{"enabled":false}',
      undefined,
      '{"grace_seconds":60}',
      'data\nx\n',
      undefined,
    ]);
  });

  it('refuses, at compile time, bodies the document does not describe', async () => {
    const { request, sent } = recorder();
    // @ts-expect-error a format the document does not list
    await request('POST', '/v1/codes', { data: 'x', format: 'gif' });
    // @ts-expect-error data is a string
    await request('POST', '/v1/codes', { data: 5 });
    // @ts-expect-error a field the document does not have
    await request('POST', '/v1/codes', { data: 'x', colour: 'red' });
    // @ts-expect-error a Wi-Fi payload needs its ssid
    await request('POST', '/v1/codes', { payload: { type: 'wifi' } });
    // @ts-expect-error JSON text in place of a JSON body
    await request('POST', '/v1/codes', '{"data":"x"}');
    // @ts-expect-error an endpoint needs its url
    await request('POST', '/v1/webhook-endpoints', { events: ['code.succeeded'] });
    // @ts-expect-error an event type the document does not list, behind a path parameter
    await request('PATCH', `/v1/webhook-endpoints/${id}`, { events: ['code.exploded'] });
    // @ts-expect-error the document requires a body here
    await request('POST', '/v1/webhook-endpoints');
    // @ts-expect-error GET takes no body
    await request('GET', '/v1/codes', { data: 'x' });
    // @ts-expect-error a route the document does not describe takes no typed body
    await request('POST', '/v1/nowhere', { data: 'x' });
    // @ts-expect-error a URL known only at run time takes no typed body
    await request('POST', String('/v1/codes'), { data: 'x' });
    // @ts-expect-error the fetch helper types its body the same way
    jsonBody('POST', '/v1/codes', { data: 'x', format: 'gif' });
    // @ts-expect-error and so do batch rows
    ndjson([{ data: 5 }]);
    expect(sent).toHaveLength(11);
  });

  it('unchecked(…) is the way to send any other body: text and bytes as they are, values as JSON', async () => {
    const { request, sent } = recorder();
    const bytes = Uint8Array.of(0x7b, 0xff, 0x7d);
    await request('POST', '/v1/codes', unchecked('{"data":'));
    await request('POST', '/v1/codes', unchecked(bytes));
    await request('POST', '/v1/codes', unchecked({ data: 5 }));
    await request('POST', '/v1/nowhere', unchecked([1]));
    await request('POST', '/v1/webhook-endpoints', unchecked(undefined));
    expect(sent.map((s) => s.body)).toEqual(['{"data":', bytes, '{"data":5}', '[1]', undefined]);
  });

  it('jsonBody and ndjson write what the harness would send', () => {
    expect(jsonBody('POST', '/v1/codes', { data: 'x', size: 300 })).toBe('{"data":"x","size":300}');
    expect(ndjson([{ data: 'a' }, { data: 'b', format: 'svg' }])).toBe('{"data":"a"}\n{"data":"b","format":"svg"}');
  });
});
