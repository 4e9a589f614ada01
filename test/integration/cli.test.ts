import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.ts';
import { dropDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, startProcess, uniqueEnv } from '../support/harness.ts';

// The whole service as users run it (npm start: API, render worker, batch worker), and the CLI as a process.
let env: Record<string, string>;
let main: ReturnType<typeof startProcess>;
let cliEnv: Record<string, string>;
let base: string;
const dir = mkdtempSync(path.join(tmpdir(), 'codes-cli-'));

beforeAll(async () => {
  const port = await freePort();
  env = { ...uniqueEnv(), PORT: String(port), WORKERS: '1', LOG_LEVEL: 'error' };
  base = `http://127.0.0.1:${port}`;
  main = startProcess('src/main.ts', env);
  await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 60_000, 200);
  const keys = startProcess('src/cli.ts', env, [
    'keys',
    'create',
    '--account',
    'cli-test',
    '--rate',
    '100000',
    '--burst',
    '100000',
    '--json',
  ]);
  expect(await exited(keys), keys.output()).toBe(0);
  cliEnv = { CODES_URL: base, CODES_API_KEY: JSON.parse(keys.output()).key };
}, 90_000);
afterAll(async () => {
  main.kill('SIGTERM');
  await exited(main);
  await dropDatabase(env.DATABASE_URL!);
});

/** Runs the user CLI to completion; stdout and stderr are collected separately. */
async function codes(args: string[]) {
  const child = startProcess('src/client/cli.ts', cliEnv, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await exited(child);
  return { code, stdout, stderr };
}

describe('codes CLI', () => {
  it('submit --out writes the PNG of a succeeded code', async () => {
    const out = path.join(dir, 'code.png');
    const run = await codes(['submit', '--data', 'https://example.com/cli', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', symbology: 'qrcode' });
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
  }, 60_000);

  it('batch upload of 1,000 rows shows progress and writes a ZIP of 1,000 files plus the manifest', async () => {
    const csv = path.join(dir, 'rows.csv');
    writeFileSync(
      csv,
      `data,filename\n${Array.from({ length: 1000 }, (_, i) => `https://example.com/item/${i},item-${i}`).join('\n')}\n`,
    );
    const zip = path.join(dir, 'results.zip');
    const run = await codes(['batch', 'upload', csv, '--wait', '--out', zip]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[#{30}\] 1000\/1000 {2}succeeded 1000/);
    expect(run.stderr.split('\r').length).toBeGreaterThan(2); // redrawn as it went
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', counts: { total: 1000, succeeded: 1000 } });
    const entries = Object.keys(unzipSync(readFileSync(zip)));
    expect(entries).toHaveLength(1001);
    expect(entries).toContain('manifest.csv');
    expect(entries.filter((name) => name.endsWith('.png'))).toHaveLength(1000);
  }, 180_000);

  it("events prints a code's status changes until it finishes; the typed client sees the same", async () => {
    const client = createClient({ baseUrl: base, apiKey: cliEnv.CODES_API_KEY });
    const code = await client.submitCode({ data: `events ${Date.now()}` });
    const run = await codes(['events', code.id]);
    expect(run.code, run.stderr).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).status),
    ).toEqual(['queued', 'processing', 'succeeded']);
    const finished = await client.finished(code.id);
    expect(finished.status).toBe('succeeded');
    expect((await client.content(code.id)).length).toBe(finished.result!.bytes);
  }, 60_000);

  it('reports a problem with its paths and exits 1 on input the server refuses', async () => {
    const run = await codes(['submit', '--data', 'x', '--symbology', 'ean13']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/422 validation_failed/);
  }, 30_000);

  it('takes every render option of the schema as a flag', async () => {
    const run = await codes([
      'submit',
      '--data',
      'ABC-123',
      '--symbology',
      'code128',
      '--bar-height',
      '20',
      '--include-text',
      'false',
      '--foreground',
      '#123',
      '--metadata',
      'sku=A-1',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      options: { bar_height: 20, include_text: false, foreground: '#112233' },
      metadata: { sku: 'A-1' },
    });
  }, 60_000);

  it('--addon stays text, its leading zero kept', async () => {
    const run = await codes(['submit', '--data', '9781861972712', '--symbology', 'ean13', '--addon', '05']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      options: { addon: '05' },
      verification: { verified: true, decoded_text: '978186197271205' },
    });
  }, 60_000);

  it('a usage error is one line and exit 2; a missing file or server is one line with its cause and exit 1', async () => {
    const unknown = await codes(['submit', '--data', 'x', '--colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^Unknown option '--colour'/);
    expect(unknown.stderr).not.toMatch(/ERR_PARSE_ARGS|at .*\.js:/);
    const missing = await codes(['batch', 'upload', path.join(dir, 'no-such-file.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: ENOENT: no such file or directory/);
    const port = await freePort(); // nothing listens there
    const child = startProcess('src/client/cli.ts', { ...cliEnv, CODES_URL: `http://127.0.0.1:${port}` }, [
      'submit',
      '--data',
      'x',
    ]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    expect(await exited(child)).toBe(1);
    expect(stderr).toBe(`error: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  }, 30_000);
});
