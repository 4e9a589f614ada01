import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Issue, RenderSpec } from '../domain/render-spec.ts';
import { rememberPreflight, settledPreflight } from './index.ts';

/** What a pooled preflight came to. */
export type PreflightOutcome =
  /** the engines ran (or were not needed): these issues, none when the spec fits → accept or 422 */
  | { outcome: 'checked'; issues: Issue[] }
  /** the check ran past its budget; its thread was ended → 422 on `data` */
  | { outcome: 'timed_out'; budgetMs: number }
  /** the account already has as many checks waiting as it may → 429 with Retry-After */
  | { outcome: 'queue_full' };

export type PreflightPool = {
  /** Checks `spec` on behalf of `account` (an account id; an anonymous caller's is per IP). */
  check(spec: RenderSpec, account: string): Promise<PreflightOutcome>;
  /** Ends the threads; pending checks are refused. */
  close(): Promise<void>;
};

export type PreflightPoolOptions = {
  /** Threads running checks at once (PREFLIGHT_THREADS). */
  threads: number;
  /** Budget of one check from when its thread takes it (PREFLIGHT_TIMEOUT_MS). */
  timeoutMs: number;
  /** Threads one account may occupy at once (PREFLIGHT_MAX_PER_ACCOUNT). */
  maxPerAccount: number;
  /** Checks one account may have waiting (PREFLIGHT_QUEUE_PER_ACCOUNT). @defaultValue unbounded */
  queuePerAccount?: number;
  /** Start the threads now rather than at the first check (a server, before its first request). @defaultValue false */
  eager?: boolean;
};

type Waiting = { spec: RenderSpec; resolve: (outcome: PreflightOutcome) => void; reject: (error: unknown) => void };
type Lane = { running: number; waiting: Waiting[] };

/**
 * The encoders' capacity checks (bwip-js, a QR over the capacity table's bound) on worker threads,
 * off the event loop, each within its budget, behind a fair queue: an account holds at most
 * `maxPerAccount` threads, and free threads go round-robin to the accounts with checks waiting, so
 * one caller's worst-case inputs delay its own requests, never another account's. Specs that need
 * no engine (a QR within the capacity table) are answered at once without a thread.
 */
export function createPreflightPool(options: PreflightPoolOptions): PreflightPool {
  let piscina: Piscina<{ spec: RenderSpec; started: MessagePort }, Issue[]> | undefined;
  // Started on first use: processes that never check anything start no threads.
  const pool = () =>
    (piscina ??= new Piscina({
      filename: new URL('./preflight-thread.ts', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60_000,
      // Below the event loop's priority: on a busy machine the API's own thread is scheduled first.
      niceIncrement: 10,
    }));
  if (options.eager) pool();
  const lanes = new Map<string, Lane>(); // insertion order is the round-robin order
  let running = 0;
  let closed = false;

  function dispatch(): void {
    while (running < options.threads) {
      const next = [...lanes].find(([, lane]) => lane.waiting.length > 0 && lane.running < options.maxPerAccount);
      if (!next) return;
      const [account, lane] = next;
      const task = lane.waiting.shift()!;
      // The served account goes to the back of the round.
      lanes.delete(account);
      lanes.set(account, lane);
      lane.running++;
      running++;
      void run(task).finally(() => {
        lane.running--;
        running--;
        if (lane.running === 0 && lane.waiting.length === 0) lanes.delete(account);
        dispatch();
      });
    }
  }

  // The budget starts when the thread says it began, not at dispatch: a thread that is still starting
  // (the first one, or the one replacing a thread ended for its budget) costs the check nothing.
  async function run(task: Waiting): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    port1.once('message', () => (timer = setTimeout(() => abort.abort(), options.timeoutMs)));
    try {
      const issues = await pool().run(
        { spec: task.spec, started: port2 },
        { signal: abort.signal, transferList: [port2] },
      );
      // Only a pass is kept: a thread's refusal may be of this data, not of the geometry.
      if (issues.length === 0) rememberPreflight(task.spec, issues);
      task.resolve({ outcome: 'checked', issues });
    } catch (error) {
      if (abort.signal.aborted) task.resolve({ outcome: 'timed_out', budgetMs: options.timeoutMs });
      else task.reject(error);
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  }

  return {
    check(spec, account) {
      const settled = settledPreflight(spec);
      if (settled) return Promise.resolve({ outcome: 'checked', issues: settled });
      if (closed) return Promise.reject(new Error('the preflight pool is closed'));
      let lane = lanes.get(account);
      if (!lane) lanes.set(account, (lane = { running: 0, waiting: [] }));
      if (lane.waiting.length >= (options.queuePerAccount ?? Infinity))
        return Promise.resolve({ outcome: 'queue_full' });
      const done = new Promise<PreflightOutcome>((resolve, reject) => lane.waiting.push({ spec, resolve, reject }));
      dispatch();
      return done;
    },
    async close() {
      closed = true;
      for (const lane of lanes.values())
        for (const task of lane.waiting.splice(0)) task.reject(new Error('the preflight pool is closed'));
      await piscina?.destroy();
    },
  };
}

/** The issue of a check that ran past its budget: the request (or row) is refused on `data`. */
export function overBudgetIssue(budgetMs: number): Issue {
  return {
    path: 'data',
    message: `could not be checked within ${budgetMs} ms (PREFLIGHT_TIMEOUT_MS): too costly to encode; send less data`,
  };
}
