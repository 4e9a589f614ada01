import type { Logger } from './log.ts';

/**
 * Drains once on the first SIGTERM or SIGINT, then exits 0. Past `timeoutMs` the process exits 1
 * anyway: jobs still running are abandoned, and BullMQ hands them to another worker when their
 * locks expire, so the bound never costs a job.
 */
export function exitOnSignal(options: { log: Logger; timeoutMs: number; drain: () => Promise<unknown> }): void {
  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) return;
    closing = true;
    options.log.info({ signal }, 'draining');
    setTimeout(() => process.exit(1), options.timeoutMs).unref();
    try {
      await options.drain();
    } catch (error) {
      options.log.warn({ err: error }, 'error while draining');
    }
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
