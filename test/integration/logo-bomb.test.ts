// SVG logo bomb (issue 15, finding 6): refused before librsvg sees it, so it costs no worker time and
// another account's styled codes render as fast as before.
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ndjson, startStack, type TestStack } from '../support/harness.ts';
import { useBomb } from '../support/svg-bomb.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bomb = Buffer.from(useBomb()).toString('base64');

it('the nested-<use> bomb is a 422 on logo in under 1 s (also in a batch row), and another account’s styled QR is not slowed beyond 2×', async () => {
  const other = await stack.seedKey();
  const logo = (
    await sharp({ create: { width: 48, height: 48, channels: 3, background: '#036' } })
      .png()
      .toBuffer()
  ).toString('base64');
  let n = 0;
  const styled = async () => {
    const started = performance.now();
    const res = await stack.request(
      'POST',
      '/v1/codes',
      { data: `styled ${Date.now()} ${n++}`, logo, module_style: 'dots' },
      { authorization: `Bearer ${other.key}`, prefer: 'wait=20' },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
    return performance.now() - started;
  };
  await styled(); // warm
  const baseline: number[] = [];
  for (let i = 0; i < 7; i++) baseline.push(await styled());

  const bombs = Array.from({ length: 8 }, async () => {
    const started = performance.now();
    const res = await stack.request('POST', '/v1/codes', { data: 'boom', logo: bomb });
    const ms = performance.now() - started;
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('logo');
    return ms;
  });
  const during: number[] = [];
  const [bombMs] = await Promise.all([
    Promise.all(bombs),
    (async () => {
      for (let i = 0; i < 7; i++) during.push(await styled());
    })(),
  ]);
  for (const ms of bombMs) expect(ms).toBeLessThan(1000);
  expect(median(during)).toBeLessThan(2 * median(baseline));

  const row = ndjson([{ data: 'boom', logo: bomb }]);
  const validation = await stack.request('POST', '/v1/batches?validate_only=true', row, {
    'content-type': 'application/x-ndjson',
  });
  const report = (await validation.json()) as { counts: { invalid: number }; errors: { path: string }[] };
  expect(report.counts.invalid).toBe(1);
  expect(report.errors[0]!.path).toBe('rows.1.logo');
});
