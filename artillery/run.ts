// npm run load -- --target URL [--key KEY] [--env ci|full] [scenario …] [-- artillery options]
//
// Runs each named scenario (artillery/<name>.yml; default: submit-and-poll) with artillery on the
// pinned Node (artillery needs Node >= 22.13; process.execPath is the Node that npm run chose).
// --env ci (the default) is each scenario's short top-level profile (about 10 s); --env full is its
// `environments.full` profile (minutes, up to 100 new users/s). Exits non-zero as soon as a
// scenario fails its `ensure` thresholds, so a CI job fails when the service regresses.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const DIR = import.meta.dirname;
const ARTILLERY = path.join(DIR, '..', 'node_modules', 'artillery', 'bin', 'run');
const SCENARIOS = ['submit-and-poll', 'webhooks', 'batch', 'mixed'];

const separator = process.argv.indexOf('--', 2);
const own = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const passThrough = separator === -1 ? [] : process.argv.slice(separator + 1);
const { values, positionals } = parseArgs({
  args: own,
  allowPositionals: true,
  options: {
    target: { type: 'string' },
    key: { type: 'string' },
    env: { type: 'string', default: 'ci' },
    help: { type: 'boolean', short: 'h' },
  },
});

const usage = `usage: npm run load -- --target URL [--key KEY] [--env ci|full] [${SCENARIOS.join('|')} …] [-- artillery run options]
  KEY defaults to $CODES_API_KEY; its plan must admit the run (npm run cli -- keys create --account load --plan enterprise).`;
if (values.help || !values.target) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const scenarios = positionals.length > 0 ? positionals : ['submit-and-poll'];
for (const name of scenarios) {
  if (!existsSync(path.join(DIR, `${name}.yml`))) {
    console.error(`unknown scenario ${name}; one of ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}

function run(name: string): Promise<number> {
  const args = [
    ARTILLERY,
    'run',
    '--target',
    values.target!,
    '--environment',
    values.env,
    ...passThrough,
    path.join(DIR, `${name}.yml`),
  ];
  const env = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: 'true',
    ...(values.key ? { CODES_API_KEY: values.key } : {}),
  };
  console.log(`\n=== ${name} (${values.env}) against ${values.target}`);
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

for (const name of scenarios) {
  const code = await run(name);
  if (code !== 0) {
    console.error(`${name}: artillery exited ${code}`);
    process.exit(code);
  }
}
