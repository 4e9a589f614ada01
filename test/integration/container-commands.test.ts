// The exact command lines the images run (docker/Dockerfile's CMD, compose's and Kubernetes' commands), run
// here as processes the way a container runtime does: the command's own process is PID 1's stand-in and the
// only one sent SIGTERM. Each must drain, log `stopped`, exit 0 and leave no process behind (with `npm start`,
// npm took the signal and exited while node kept serving). No docker engine: the files are parsed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { dropDatabase } from '../../src/store/migrate.ts';
import { eventually, exited, freePort, ROOT, uniqueEnv } from '../support/harness.ts';
import { processesInGroup } from '../support/process-tree.ts';

const DOCKER = path.join(ROOT, 'docker');
const read = (file: string) => readFileSync(path.join(DOCKER, file), 'utf8');

/** The Dockerfile's final stage: its ENV and its CMD (exec form). */
function dockerfile(): { env: Record<string, string>; cmd: string[] } {
  const stages = read('Dockerfile').split(/^FROM /m);
  const last = stages.at(-1)!;
  const env = Object.fromEntries([...last.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const cmd = /^CMD (\[.*\])$/m.exec(last)?.[1];
  expect(cmd, 'CMD in exec form (a shell would take the signal)').toBeDefined();
  return { env, cmd: JSON.parse(cmd!) as string[] };
}

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` against `values`. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    if (values[name]) return values[name];
    if (op === '?') throw new Error(`compose refuses to start: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

// What an operator puts in docker/.env (compose refuses to start without the required ones).
const OPERATOR_ENV = {
  POSTGRES_PASSWORD: 'unused-here',
  SECRETS_KEY: 'an-operator-chosen-secrets-key-0123',
  LINK_SIGNING_KEY: 'an-operator-chosen-link-signing-key-0123',
};
type Service = { image?: string; command?: string[]; environment?: Record<string, string> };
const compose = parse(read('compose.yml'), { merge: true }) as { services: Record<string, Service> };
const composeServices = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('codes:'));
const k8sCommands = ['api.yaml', 'render.yaml', 'background.yaml', 'migrate-job.yaml'].flatMap((file) =>
  parseAllDocuments(read(`k8s/${file}`))
    .map((d) => d.toJS() as Record<string, any>)
    .flatMap((m) => (m.spec?.template?.spec?.containers ?? []).map((c: { command: string[] }) => c.command)),
);

const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url).catch(() => {});
});

/** Starts `command` as a runtime would: its own process group, `node` being the image's Node (24). */
function runContainer(command: string[], env: Record<string, string>) {
  const [file, ...args] = command;
  const child = spawn(file === 'node' ? process.execPath : file!, args, {
    cwd: ROOT, // the image's WORKDIR holds the same tree (package.json, config, migrations, src, workers)
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

const stoppedLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; role: string })
    .filter((line) => line.msg === 'stopped')
    .map((line) => line.role);

/** Runs one command until ready, sends SIGTERM to it alone, and checks the drain. */
async function expectDrainsOnSigterm(command: string[], env: Record<string, string>, ready: string, roles: string[]) {
  const child = runContainer(command, env);
  try {
    await eventually(async () => (await fetch(ready)).status === 200, 60_000, 200);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${command.join(' ')} never got ready:\n${child.output()}`, { cause: error });
  }
  process.kill(child.pid!, 'SIGTERM');
  const code = await exited(child);
  const where = `${command.join(' ')}\n${child.output()}`;
  const left = processesInGroup(child.pid!);
  if (left.length > 0) process.kill(-child.pid!, 'SIGKILL'); // a failing run leaves nothing behind either
  expect(code, where).toBe(0);
  expect(stoppedLines(child.output()).sort(), where).toEqual([...roles].sort());
  expect(left, `${where}\nleft running`).toEqual([]);
}

describe('container commands', () => {
  it('run node directly, the same lines in compose and Kubernetes', () => {
    const { cmd } = dockerfile();
    expect(cmd[0]).toBe('node');
    const composeCommands = composeServices.map(([, s]) => s.command!.join(' '));
    for (const command of composeCommands) expect(command).toMatch(/^node /);
    for (const command of k8sCommands) expect(composeCommands).toContain(command.join(' '));
  });

  it("the Dockerfile's CMD (the supervisor and all its children) drains on SIGTERM and exits 0, nothing left", async () => {
    const { env: imageEnv, cmd } = dockerfile();
    expect(imageEnv.NODE_ENV).toBe('production');
    const port = await freePort();
    const env: Record<string, string> = {
      ...uniqueEnv(),
      ...imageEnv,
      ...OPERATOR_ENV,
      LOG_LEVEL: 'info',
      PORT: String(port),
      WORKERS: '1',
    };
    databases.push(env.DATABASE_URL!);
    await expectDrainsOnSigterm(cmd, env, `http://127.0.0.1:${port}/readyz`, [
      'supervisor',
      'api',
      'worker:render',
      'worker:batches',
      'worker:maintenance',
      'worker:webhooks',
    ]);
  }, 120_000);

  it("compose's commands, each run with its service's environment, drain on SIGTERM and exit 0", async () => {
    const { env: imageEnv } = dockerfile();
    const base = uniqueEnv();
    databases.push(base.DATABASE_URL!);
    // migrate runs first (the others depend on it) and exits by itself.
    const ordered = [...composeServices].sort(([a], [b]) => Number(b === 'migrate') - Number(a === 'migrate'));
    for (const [name, service] of ordered) {
      const serviceEnv = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), OPERATOR_ENV)]),
      );
      const port = await freePort();
      // The compose network's host names (postgres, redis) are this machine's test servers here.
      const env: Record<string, string> = {
        ...imageEnv,
        ...serviceEnv,
        DATABASE_URL: base.DATABASE_URL!,
        REDIS_URL: base.REDIS_URL!,
        QUEUE_PREFIX: base.QUEUE_PREFIX!,
        PORT: String(port),
        WORKER_HEALTH_PORT: String(port),
      };
      if (name === 'migrate') {
        const child = runContainer(service.command!, env);
        expect(await exited(child), child.output()).toBe(0);
        expect(processesInGroup(child.pid!)).toEqual([]);
        continue;
      }
      const role = name === 'api' ? 'api' : `worker:${name}`;
      await expectDrainsOnSigterm(service.command!, env, `http://127.0.0.1:${port}/readyz`, [role]);
    }
  }, 180_000);

  it('compose refuses to start without the secrets (none is in the file)', () => {
    const api = compose.services.api!.environment!;
    expect(() => interpolate(api.SECRETS_KEY!, {})).toThrow(/SECRETS_KEY/);
    expect(() => interpolate(api.LINK_SIGNING_KEY!, {})).toThrow(/LINK_SIGNING_KEY/);
    expect(interpolate(api.ADMIN_PASSWORD!, {})).toBe('');
    expect(read('compose.yml')).not.toMatch(/change-me/);
  });
});
