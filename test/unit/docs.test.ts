// The docs an operator reads must list what the code reads: every environment variable src/config.ts knows,
// with its real default, and every operator CLI command. A variable added without a line here fails.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../../src/config.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const operations = read('docs/operations.md');
const defaults = JSON.parse(read('config/defaults.json')) as Record<string, unknown>;

/** `| \`NAME\` | default | meaning |` rows of the configuration tables. */
const documented = new Map(
  [...operations.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
);

// Defaults the tables describe in words because they are not a fixed value.
const DESCRIBED = new Map([
  ['(empty)', ''],
  ['CPU cores', undefined],
  ['dev value', undefined],
]);

describe('docs/operations.md', () => {
  it('lists every environment variable src/config.ts reads, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ENV_NAMES).sort());
  });

  it('gives each variable the default config/defaults.json holds', () => {
    for (const [name, shown] of documented) {
      const actual = defaults[ENV_NAMES[name]!];
      if (DESCRIBED.has(shown)) {
        const meant = DESCRIBED.get(shown);
        if (meant !== undefined) expect(String(actual ?? ''), name).toBe(meant);
        continue;
      }
      expect(shown, name).toBe(String(actual));
    }
  });

  it('documents every operator CLI command', () => {
    const usage = read('src/cli.ts').match(/const USAGE = `([\s\S]*?)`;/)?.[1] ?? '';
    const commands = [...usage.matchAll(/^ {2}([a-z]+(?: [a-z-]+)?)(?= |$)/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) expect(operations, command).toContain(`\`${command}`);
  });
});
