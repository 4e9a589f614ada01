import type { Logger } from './log.ts';

/**
 * Drains once on the first SIGTERM or SIGINT, logs `stopped`, then exits 0. Past `timeoutMs` the process
 * exits 1 anyway: jobs still running are abandoned, and BullMQ hands them to another worker when their
 * locks expire, so the bound never costs a job.
 */
export function exitOnSignal(options: { log: Logger; timeoutMs: number; drain: () => Promise<unknown> }): void {
  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) return;
    closing = true;
    const started = performance.now();
    options.log.info({ signal }, 'draining');
    setTimeout(() => {
      options.log.error({ timeoutMs: options.timeoutMs }, 'drain did not finish within SHUTDOWN_TIMEOUT_MS; exiting');
      process.exit(1);
    }, options.timeoutMs).unref();
    try {
      await options.drain();
    } catch (error) {
      options.log.warn({ err: error }, 'error while draining');
    }
    // The last line of every process: an operator reading the log knows the drain ended, and how long it took.
    options.log.info({ signal, drainMs: Math.round(performance.now() - started) }, 'stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
