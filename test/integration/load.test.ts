// The artillery scenarios in CI-sized form (`npm run load -- --target URL`, about 10 s each) against a
// local `npm start`: green for the current service, and red when a threshold is crossed, so a
// regression fails CI. webhooks.yml runs with the receiver on this machine, allowed by WEBHOOK_ALLOW_PRIVATE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, startProcess, uniqueEnv } from '../support/harness.ts';

let env: Record<string, string>;
let main: ReturnType<typeof startProcess>;
let target: string;
let key: string;
let webhookSecret: string;

beforeAll(async () => {
  const port = await freePort();
  env = uniqueEnv({
    PORT: String(port),
    WORKERS: '1',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
  });
  target = `http://127.0.0.1:${port}`;
  main = startProcess('src/main.ts', env);
  await eventually(async () => (await fetch(`${target}/readyz`)).ok, 60_000, 200);
  const cli = startProcess('src/cli.ts', env, [
    'keys',
    'create',
    '--account',
    'load',
    '--plan',
    'enterprise',
    '--json',
  ]);
  expect(await exited(cli), cli.output()).toBe(0);
  ({ key, webhook_secret: webhookSecret } = JSON.parse(cli.output()) as { key: string; webhook_secret: string });
}, 90_000);

afterAll(async () => {
  main?.kill('SIGTERM');
  if (main) await exited(main);
  if (env) await dropDatabase(env.DATABASE_URL!);
}, 60_000);

/** `npm run load -- …` (artillery/run.ts on the pinned Node) → exit code and output. */
async function load(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = startProcess('artillery/run.ts', {}, ['--target', target, '--key', key, ...args]);
  return { code: await exited(child), output: child.output() };
}

describe('npm run load (artillery, CI-sized)', () => {
  it('submit-and-poll, batch and mixed pass their ensure thresholds', async () => {
    const run = await load(['submit-and-poll', 'batch', 'mixed']);
    expect(run.code, run.output).toBe(0);
    // every scenario's checks ran (3 + 3 + 2), none failed
    expect(run.output.match(/^ok: /gm), run.output).toHaveLength(8);
    expect(run.output).not.toMatch(/^fail: /m);
  }, 180_000);

  it('webhooks: every signed delivery reaches the scenario receiver and verifies', async () => {
    const child = startProcess('artillery/run.ts', { CODES_WEBHOOK_SECRET: webhookSecret }, [
      '--target',
      target,
      '--key',
      key,
      'webhooks',
    ]);
    const code = await exited(child);
    expect(code, child.output()).toBe(0);
    expect(child.output()).toMatch(/webhooks\.time_to_delivered/);
    expect(child.output()).not.toMatch(/^fail: /m);
  }, 180_000);

  it('exits non-zero when a threshold is crossed', async () => {
    const overrides = JSON.stringify({
      config: {
        phases: [{ duration: 2, arrivalRate: 2 }],
        plugins: { ensure: { thresholds: [{ 'http.response_time.p99': 0.001 }] } },
      },
    });
    const run = await load(['submit-and-poll', '--', '--overrides', overrides]);
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/^fail: http\.response_time\.p99 < 0\.001/m);
  }, 120_000);

  it('exits non-zero when requests fail (maxErrorRate)', async () => {
    const child = startProcess('artillery/run.ts', {}, [
      '--target',
      target,
      '--key',
      'ck_live_not-a-key',
      'submit-and-poll',
      '--',
      '--overrides',
      JSON.stringify({ config: { phases: [{ duration: 2, arrivalRate: 2 }] } }),
    ]);
    expect(await exited(child), child.output()).not.toBe(0);
    expect(child.output()).toMatch(/^fail: maxErrorRate < 1/m);
  }, 120_000);
});
