// Headless Chromium for the browser tests (Bull Board, /docs): Debian's /usr/bin/chromium when the machine
// has one, else the build that ships inside the npm package @sparticuz/chromium (brotli files in its bin/,
// inflated locally: nothing is downloaded at install or run time, so `npm ci && npm test` needs no apt).
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
// No updater, no component or safe-browsing fetches: the tests assert that nothing leaves the machine.
const OFFLINE = '--disable-background-networking';

/**
 * Where the package's Chromium is inflated, one folder per package version, shared by every test file
 * and worktree on the machine. The package inflates into `os.tmpdir()` and takes an existing file there
 * for a finished one, so two test files starting at once could run a half-written binary: each inflates
 * into its own staging folder, renamed into place in one step; the loser of a race drops its copy.
 */
async function packagedChromium(): Promise<string> {
  const require = createRequire(import.meta.url);
  const manifest = path.join(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const home = path.join(tmpdir(), `codes-test-chromium-${version}`);
  const binary = path.join(home, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(`${home}.staging-`);
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await sparticuz.executablePath();
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
  try {
    renameSync(staging, home);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/** Launches headless Chromium (the system's if installed, else the npm package's); the caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  if (existsSync(SYSTEM_CHROMIUM))
    return chromium.launch({
      executablePath: SYSTEM_CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', OFFLINE],
    });
  return chromium.launch({ executablePath: await packagedChromium(), args: [...sparticuz.args, OFFLINE] });
}
