import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

const ROOT = path.join(import.meta.dirname, '..');
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

/**
 * The V8 flag that sets how far a worker's old generation grows between full collections, or undefined for
 * V8's own growth. Under the HEAP_MB bound V8 lets the old generation grow by little more than a third of
 * what survived, so a render worker, whose live heap is mostly code and modules, marked all of it again
 * every few MB promoted: in background threads, about a third of its CPU per code. Node refuses this flag
 * in NODE_OPTIONS, so each worker sets it on itself at start (V8 reads it at every collection).
 */
export function workerHeapGrowthFlag(config: Config): string | undefined {
  return config.workerHeapGrowthPercent > 0 ? `--heap-growing-percent=${config.workerHeapGrowthPercent}` : undefined;
}

/**
 * Runs `src/cli.ts migrate` as a one-shot child (which waits for PostgreSQL within STARTUP_TIMEOUT_MS and
 * prints its own line when it cannot), so the supervisor itself never loads a database driver. A SIGTERM
 * meanwhile is passed on and ends the supervisor cleanly.
 */
export function migrateInChild(log: Logger): Promise<boolean> {
  const child = fork(path.join(ROOT, 'src', 'cli.ts'), ['migrate'], { stdio: 'inherit' });
  let stopping = false;
  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    child.kill(signal);
  };
  process.on('SIGTERM', forward).on('SIGINT', forward);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      process.off('SIGTERM', forward).off('SIGINT', forward);
      if (stopping) {
        log.info('stopped before the database was ready');
        process.exit(0);
      }
      if (code === 0) log.info('database ready');
      resolve(code === 0);
    }),
  );
}

type Child = {
  role: string;
  kill: (signal: NodeJS.Signals) => void;
  onExit: (fn: (code: number | null, signal: string | null) => void) => void;
};

function spawnRole(role: string, config: Config): Child {
  if (role === 'api') {
    // node:cluster lets every API process share the one port.
    const worker: ClusterWorker = cluster.fork({ ...process.env, CODES_ROLE: 'api' });
    return { role, kill: (s) => worker.process.kill(s), onExit: (fn) => worker.on('exit', fn) };
  }
  const child: ChildProcess = fork(path.join(ROOT, 'workers', `${role}.ts`), [], {
    env: process.env,
    stdio: 'inherit',
    execArgv: heapFlags(config, 'worker'),
  });
  return { role, kill: (s) => child.kill(s), onExit: (fn) => child.on('exit', fn) };
}

/**
 * The restart policy for one role, given its crash times (the latest included): the delay before the next start (RESTART_BACKOFF_MS,
 * doubling per crash within RESTART_WINDOW_MS, capped at RESTART_BACKOFF_MAX_MS), or undefined once
 * RESTART_MAX_FAILURES crashes fell within the window: then restarting only hides a fault (a port in
 * use, a bad setting) that the orchestrator, seeing us exit, can report.
 */
export function restartDelay(config: Config, crashes: readonly number[], now: number): number | undefined {
  const recent = crashes.filter((at) => now - at < config.restartWindowMs).length;
  if (recent >= config.restartMaxFailures) return undefined;
  return Math.min(config.restartBackoffMs * 2 ** Math.max(0, recent - 1), config.restartBackoffMaxMs);
}

/**
 * Runs the API processes and render workers of one machine; restarts a child that dies (with backoff,
 * giving up and exiting 1 past the restart budget), and on SIGTERM/SIGINT asks every child to drain and
 * exits 0 once they all have.
 */
export function supervise(config: Config, log: Logger): void {
  cluster.setupPrimary({ exec: path.join(ROOT, 'src', 'main.ts'), args: ['api'], execArgv: heapFlags(config, 'api') });
  const plan = [
    ...Array(config.apiProcesses).fill('api'),
    ...Array(config.workers).fill('render'),
    ...(config.workers > 0 ? BACKGROUND_ROLES : []),
  ] as string[];
  const live = new Set<Child>();
  const crashes = new Map<string, number[]>();
  const pending = new Set<NodeJS.Timeout>();
  let stopping = false;
  let exitCode = 0;
  const startedAt = Date.now();

  function start(role: string): void {
    const child = spawnRole(role, config);
    live.add(child);
    child.onExit((code, signal) => {
      live.delete(child);
      if (stopping) {
        if (live.size === 0) finish();
        return;
      }
      const now = Date.now();
      const history = [...(crashes.get(role) ?? []), now].filter((at) => now - at < config.restartWindowMs);
      crashes.set(role, history);
      const delay = restartDelay(config, history, now);
      if (delay === undefined) {
        log.fatal(
          { child: role, code, signal, crashes: history.length, windowMs: config.restartWindowMs },
          `${role} exited ${history.length} times within ${config.restartWindowMs / 1000} s (RESTART_MAX_FAILURES); stopping`,
        );
        exitCode = 1;
        return stop('giving up');
      }
      log.error({ child: role, code, signal, crashes: history.length, restartInMs: delay }, 'child exited; restarting');
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!stopping) start(role);
      }, delay);
      pending.add(timer);
    });
  }
  plan.forEach(start);
  log.info({ api: config.apiProcesses, render: config.workers }, 'supervisor started');

  function finish(): void {
    log.info({ uptimeMs: Date.now() - startedAt, exitCode }, 'stopped');
    process.exit(exitCode);
  }

  function stop(reason: string): void {
    if (stopping) return;
    stopping = true;
    for (const timer of pending) clearTimeout(timer);
    log.info({ reason }, 'supervisor stopping children');
    for (const child of live) child.kill('SIGTERM');
    if (live.size === 0) return finish();
    setTimeout(() => {
      for (const child of live) child.kill('SIGKILL');
      log.error({ children: live.size }, 'children did not drain in time; killed');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000).unref();
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
