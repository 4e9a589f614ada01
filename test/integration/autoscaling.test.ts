// The render autoscaler, evaluated as KEDA would: its trigger is read from docker/k8s/render.yaml and
// evaluated against a real /metrics scrape while the render queue holds jobs waiting, prioritized and
// delayed. The value must be their sum (KEDA, given one trigger per state, scaled on the largest).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, startStack, type TestStack } from '../support/harness.ts';
import { kedaPrometheusValue, parseExposition } from '../support/keda.ts';

const TOKEN = 'a-metrics-token-for-the-test';
const manifests = parseAllDocuments(readFileSync(path.join(ROOT, 'docker', 'k8s', 'render.yaml'), 'utf8')).map(
  (doc) => doc.toJS() as Record<string, any>,
);
const scaler = manifests.find((m) => m.kind === 'ScaledObject')!;
const auth = manifests.find((m) => m.kind === 'TriggerAuthentication')!;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { METRICS_TOKEN: TOKEN } });
}, 60_000);
afterAll(() => stack?.close());

describe('render autoscaling', () => {
  it('has one metrics-api trigger reading /metrics with the metrics token, not the admin password', () => {
    expect(scaler.spec.triggers).toHaveLength(1);
    const [trigger] = scaler.spec.triggers;
    expect(trigger).toMatchObject({ type: 'metrics-api', authenticationRef: { name: auth.metadata.name } });
    expect(trigger.metadata).toMatchObject({ format: 'prometheus', authMode: 'bearer' });
    expect(new URL(trigger.metadata.url).pathname).toBe('/metrics');
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'token', name: 'codes-secrets', key: 'METRICS_TOKEN' }]);
  });

  it('evaluates to waiting + prioritized + delayed on a real scrape', async () => {
    const queue = stack.queues.render;
    const add = (n: number, opts: Record<string, unknown>) =>
      Promise.all(Array.from({ length: n }, (_, i) => queue.add('render-code', { codeId: `code_scale_${i}` }, opts)));
    await add(3, {});
    await add(5, { priority: 10 });
    await add(7, { delay: 3_600_000 });
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    expect(counts).toEqual({ waiting: 3, prioritized: 5, delayed: 7 });

    const res = await stack.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const page = await res.text();
    const { valueLocation } = scaler.spec.triggers[0].metadata;
    expect(kedaPrometheusValue(page, valueLocation)).toBe(15);
    // What one trigger per state read: KEDA would have scaled on max(3, 5, 7) = 7.
    const perState = ['waiting', 'prioritized', 'delayed'].map((state) =>
      kedaPrometheusValue(page, `queue_jobs{queue="render",state="${state}"}`),
    );
    expect(perState).toEqual([3, 5, 7]);
    // The page parses as Prometheus' own parser requires (no family twice), or KEDA would read nothing.
    expect(() => parseExposition(page)).not.toThrow();
  });

  it('the metrics token reads /metrics only, and a wrong one is refused', async () => {
    expect((await stack.app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await stack.app.request('/metrics')).status).toBe(401);
    const board = await stack.app.request('/admin/queues', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(board.status).not.toBe(200);
  });
});

describe('the KEDA evaluator', () => {
  it('refuses what KEDA refuses', () => {
    const page = '# HELP a x\n# TYPE a gauge\na{q="r"} 1\n';
    expect(kedaPrometheusValue(page, 'a{q="r"}')).toBe(1);
    expect(() => kedaPrometheusValue(page, 'a{q="s"}')).toThrow(/not found/);
    expect(() => kedaPrometheusValue(page + page, 'a')).toThrow(/second HELP/);
  });
});
