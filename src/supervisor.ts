import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

const ROOT = path.join(import.meta.dirname, '..');
const RESTART_DELAY_MS = 1000;
/** One process each next to the render workers (workers/<role>.ts); WORKERS=0 makes an API-only machine. */
const BACKGROUND_ROLES = ['batches', 'maintenance', 'webhooks'];

/**
 * V8 grows its heap lazily: under load a process keeps hundreds of MB of garbage (pg's bytea strings, ZIP
 * buffers) that a bounded heap collects (the batches bench prints the API's RSS growth during a
 * 100,000-row download). The young generation differs by role. An API process holds every request's
 * objects across a database and Redis round trip (intake is micro-batched), so a small one copies and
 * promotes them and spends measurably more CPU per request; render workers measured better with a small
 * one, and smaller. Machines that run a role alone set the same through NODE_OPTIONS.
 */
export function heapFlags(config: Config, role: 'api' | 'worker'): string[] {
  const semiSpaceMb = role === 'api' ? config.apiSemiSpaceMb : config.semiSpaceMb;
  return [`--max-old-space-size=${config.heapMb}`, `--max-semi-space-size=${semiSpaceMb}`];
}

type Child = {
  role: string;
  kill: (signal: NodeJS.Signals) => void;
  onExit: (fn: (code: number | null) => void) => void;
};

function spawnRole(role: string, config: Config): Child {
  if (role === 'api') {
    // node:cluster lets every API process share the one port.
    const worker: ClusterWorker = cluster.fork({ ...process.env, CODES_ROLE: 'api' });
    return { role, kill: (s) => worker.process.kill(s), onExit: (fn) => worker.on('exit', (code) => fn(code)) };
  }
  const child: ChildProcess = fork(path.join(ROOT, 'workers', `${role}.ts`), [], {
    env: process.env,
    stdio: 'inherit',
    execArgv: heapFlags(config, 'worker'),
  });
  return { role, kill: (s) => child.kill(s), onExit: (fn) => child.on('exit', (code) => fn(code)) };
}

/**
 * Runs the API processes and render workers of one machine; restarts a child that dies, and on
 * SIGTERM/SIGINT asks every child to drain and exits once they all have.
 */
export function supervise(config: Config, log: Logger): void {
  cluster.setupPrimary({ exec: path.join(ROOT, 'src', 'main.ts'), args: ['api'], execArgv: heapFlags(config, 'api') });
  const plan = [
    ...Array(config.apiProcesses).fill('api'),
    ...Array(config.workers).fill('render'),
    ...(config.workers > 0 ? BACKGROUND_ROLES : []),
  ] as string[];
  const live = new Set<Child>();
  let stopping = false;

  function start(role: string): void {
    const child = spawnRole(role, config);
    live.add(child);
    child.onExit((code) => {
      live.delete(child);
      if (stopping) {
        if (live.size === 0) process.exit(0);
        return;
      }
      log.error({ role, code }, 'child exited; restarting');
      setTimeout(() => !stopping && start(role), RESTART_DELAY_MS);
    });
  }
  plan.forEach(start);
  log.info({ api: config.apiProcesses, render: config.workers }, 'supervisor started');

  function stop(signal: NodeJS.Signals): void {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'supervisor stopping children');
    for (const child of live) child.kill('SIGTERM');
    if (live.size === 0) process.exit(0);
    setTimeout(() => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000).unref();
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
