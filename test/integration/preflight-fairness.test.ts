// CPU-heavy preflights (issue 15, finding 2): the encoders' capacity checks run on the API's worker
// threads behind a fair queue, so anonymous callers' worst-case inputs never stall the event loop or
// another account; in the batches worker, a costly batch does not hold up another account's.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/store/migrate.ts';
import {
  eventually,
  exited,
  freePort,
  jsonBody,
  ndjson,
  startProcess,
  startStack,
  uniqueEnv,
  type RequestBody,
} from '../support/harness.ts';

const logo = (
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c00' } })
    .png()
    .toBuffer()
).toString('base64');

/** The worst cases: the largest Aztec, PDF417, Data Matrix and MaxiCode, and a version-40 QR with a logo. */
const WORST_CASES: RequestBody<'POST', '/v1/codes'>[] = [
  { symbology: 'azteccode', data: 'A'.repeat(3832) },
  { symbology: 'pdf417', data: 'A'.repeat(2710) },
  { symbology: 'datamatrix', data: '1'.repeat(3116) },
  { symbology: 'maxicode', data: 'A'.repeat(93) },
  { symbology: 'qrcode', data: 'a'.repeat(1273), logo, format: 'png' },
];

const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.ceil(samples.length * 0.99) - 1]!;

async function timed(request: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await request();
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

describe('preflights under attack, against a real API process', () => {
  const env = uniqueEnv({ WORKERS: '0', TRUSTED_PROXIES: '127.0.0.1/32' });
  let api: ReturnType<typeof startProcess>;
  let base: string;
  let key: string;

  beforeAll(async () => {
    const cli = startProcess('src/cli.ts', env, [
      'keys',
      'create',
      '--json',
      '--account',
      'bystander',
      '--rate',
      '100000',
      '--burst',
      '100000',
    ]);
    expect(await exited(cli), cli.output()).toBe(0);
    key = (JSON.parse(cli.output()) as { key: string }).key;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startProcess('src/main.ts', { ...env, PORT: String(port) }, ['api']);
    await eventually(async () => (await fetch(`${base}/readyz`)).ok, 30_000);
  }, 60_000);
  afterAll(async () => {
    api?.kill('SIGTERM');
    if (api) await exited(api);
    await dropDatabase(env.DATABASE_URL!);
  });

  it('10 anonymous worst-case preflights at once: /healthz p99 < 50 ms, another account’s POST p99 < 100 ms (or 1.5x its unattacked p99 on a machine above that)', async () => {
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const post = async (data: string) => {
      const { ms, status } = await timed(() =>
        fetch(`${base}/v1/codes`, { method: 'POST', headers: auth, body: jsonBody('POST', '/v1/codes', { data }) }),
      );
      expect(status).toBe(202);
      return ms;
    };
    // This machine's own tail, before any attack: a POST commits to PostgreSQL, whose fsync stalls on a
    // loaded shared VM can put even the unattacked p99 above 100 ms. The POST bound is the 100 ms,
    // or 1.5x that baseline when the machine cannot meet 100 ms on its own.
    const baseline: number[] = [];
    for (let i = 0; i < 300; i++) baseline.push(await post(`https://example.com/baseline/${i}`));
    const postBound = Math.max(100, 1.5 * p99(baseline));
    // Ten anonymous callers (ten addresses, through the trusted proxy), each keeping one worst case in flight.
    let attacking = true;
    const attackStatuses: number[] = [];
    const attackers = Array.from({ length: 10 }, async (_, i) => {
      for (let n = i; attacking; n++) {
        const res = await fetch(`${base}/v1/codes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i + 1}` },
          body: jsonBody('POST', '/v1/codes', WORST_CASES[n % WORST_CASES.length]!),
        });
        await res.arrayBuffer();
        attackStatuses.push(res.status);
      }
    });
    const rounds: { health: number; post: number; attacksAnswered: number }[] = [];
    try {
      // The attack is under way once the pool has answered some of it (its thread is busy from then on).
      await eventually(async () => attackStatuses.length >= 10, 60_000);
      // A round is 400 /healthz, then 300 POSTs. Other load on a shared machine can only add
      // latency, so one round within both bounds shows the event loop free; up to three are measured
      // (with the preflights on the event loop, every round takes seconds).
      for (let round = 0; round < 3; round++) {
        const answeredBefore = attackStatuses.length;
        const health: number[] = [];
        const posts: number[] = [];
        // One after the other, so that the client's own work does not add to what is measured.
        await (async () => {
          for (let i = 0; i < 400; i++) {
            const { ms, status } = await timed(() => fetch(`${base}/healthz`));
            expect(status).toBe(200);
            health.push(ms);
          }
        })();
        await (async () => {
          for (let i = 0; i < 300; i++) {
            const body = jsonBody('POST', '/v1/codes', { data: `https://example.com/bystander/${round}/${i}` });
            const { ms, status } = await timed(() =>
              fetch(`${base}/v1/codes`, { method: 'POST', headers: auth, body }),
            );
            expect(status).toBe(202);
            posts.push(ms);
          }
        })();
        rounds.push({ health: p99(health), post: p99(posts), attacksAnswered: attackStatuses.length - answeredBefore });
        if (p99(health) < 50 && p99(posts) < postBound) break;
      }
    } finally {
      attacking = false;
      await Promise.all(attackers);
    }
    const passed = rounds.at(-1)!;
    // At least one worst case finished inside the round: the thread was busy with the attack while it was measured
    // (a fast machine measures a round in about the time one worst case takes).
    expect(passed.attacksAnswered, 'the attack kept the preflight thread busy during the round').toBeGreaterThan(0);
    expect(passed.health, `p99 of /healthz in ms, per round: ${JSON.stringify(rounds)}`).toBeLessThan(50);
    expect(
      passed.post,
      `p99 of the other account’s POST in ms, per round: ${JSON.stringify(rounds)}; unattacked ${p99(baseline)}`,
    ).toBeLessThan(postBound);
    // The worst cases themselves are answered, never a 5xx: refused (422) or accepted (202), or 429 past the plan.
    expect(attackStatuses.filter((s) => ![202, 422, 429].includes(s))).toEqual([]);
  }, 300_000);
});

describe('batch rows share the preflight threads fairly (a real batches worker)', () => {
  it("another account's 1-row batch is expanded while a 10-row worst-case Aztec batch still is", async () => {
    const stack = await startStack({ workers: 0 });
    const worker = startProcess('workers/batches.ts', stack.env);
    try {
      const other = await stack.seedKey();
      const upload = (body: string, auth: string) =>
        stack.request('POST', '/v1/batches', body, { authorization: auth, 'content-type': 'application/x-ndjson' });
      const heavy = ndjson(Array.from({ length: 10 }, () => ({ symbology: 'azteccode', data: 'A'.repeat(3000) })));
      const big = (await (await upload(heavy, `Bearer ${stack.key.key}`)).json()) as { id: string };
      const small = (await (await upload('{"data":"just one"}', `Bearer ${other.key}`)).json()) as { id: string };
      const expandedAt = async (id: string) =>
        (await stack.db.selectFrom('batches').select('expanded_at').where('id', '=', id).executeTakeFirstOrThrow())
          .expanded_at;
      await eventually(async () => await expandedAt(small.id), 60_000);
      expect(await expandedAt(big.id)).toBeNull(); // the costly batch is still being checked
      await eventually(async () => await expandedAt(big.id), 120_000);
    } finally {
      worker.kill('SIGTERM');
      expect(await exited(worker), worker.output()).toBe(0);
      await stack.close();
    }
  }, 180_000);
});
