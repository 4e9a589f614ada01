// The README's commands, run as a newcomer would: `npm start`, then the "first code" block in bash. A README
// command that stops working fails here; the commands CI runs itself (`npm ci`, `npm test`) are checked to be
// what .ci/run runs, and every npm script the README names must exist.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/store/migrate.ts';
import { decode } from '../support/decode.ts';
import { eventually, exited, freePort, ROOT, uniqueEnv } from '../support/harness.ts';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const run = promisify(execFile);

/** The ```sh blocks of a Markdown text, each with the heading it sits under. */
function shellBlocks(markdown: string): { heading: string; commands: string[] }[] {
  const blocks: { heading: string; commands: string[] }[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) heading = line.slice(3);
    if (line.trim() !== '```sh') continue;
    const body: string[] = [];
    while (lines[++i]?.trim() !== '```') body.push(lines[i]!);
    blocks.push({ heading, commands: commandsOf(body) });
  }
  return blocks;
}

/** Command lines without comments, backslash continuations joined. */
function commandsOf(lines: string[]): string[] {
  return lines
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#\s.*$/, '').trim())
    .filter(Boolean);
}

const blocks = shellBlocks(README);
const firstCode = blocks.find((b) => b.heading.startsWith('Your first code'));
const twoCommands = blocks.find((b) => b.heading === 'Two commands');

describe('README', () => {
  it('has the two commands, and they are what CI runs', () => {
    expect(twoCommands?.commands).toEqual(['npm ci && npm start', 'npm test']);
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it('names only npm scripts and test files that exist', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts;
    const named = [...README.matchAll(/`npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const script of named) expect(scripts, `npm run ${script}`).toHaveProperty(script);
    for (const [, file] of README.matchAll(/`npx vitest run ([\w/.-]+)`/g)) {
      expect(() => readFileSync(path.join(ROOT, file!)), file).not.toThrow();
    }
  });

  it('is at most 250 lines and links only to files that exist', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
    const targets = [...README.matchAll(/\]\(([^)#:]+)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(existsSync(path.join(ROOT, target)), target).toBe(true);
  });

  describe('your first code in a minute, against `npm start`', () => {
    let server: ChildProcess | undefined;
    const env: Record<string, string> = { ...uniqueEnv(), WORKERS: '1' };
    afterAll(async () => {
      if (server?.pid && server.exitCode === null) {
        process.kill(-server.pid, 'SIGTERM');
        await exited(server);
      }
      await dropDatabase(env.DATABASE_URL!);
    });

    it('creates a key, submits, reads the status and writes a PNG that scans', async () => {
      expect(firstCode?.commands.length).toBeGreaterThanOrEqual(4);
      const port = await freePort();
      const serverEnv = { ...process.env, ...env, PORT: String(port) };
      // Its own process group: SIGTERM reaches npm and the node processes under it alike.
      server = spawn('npm', ['start'], { cwd: ROOT, env: serverEnv, stdio: 'ignore', detached: true });
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);

      const dir = mkdtempSync(path.join(tmpdir(), 'codes-readme-'));
      const script = ['set -euo pipefail', `cd ${JSON.stringify(ROOT)}`, ...firstCode!.commands]
        .join('\n')
        .replaceAll('localhost:3000', `localhost:${port}`)
        .replace('-o code.png', `-o ${path.join(dir, 'code.png')}`);
      const { stdout } = await run('bash', ['-c', script], { env: serverEnv, timeout: 60_000 });
      expect(JSON.parse(stdout)).toMatchObject({ object: 'code', status: 'succeeded' });
      const png = readFileSync(path.join(dir, 'code.png'));
      expect(await decode(png, 'image/png')).toEqual([{ text: 'https://example.com/p/42', format: 'QRCode' }]);
    }, 120_000);
  });
});
