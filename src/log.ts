import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The structured logger; `role` names the process (api, worker:render, supervisor). JSON lines
 * for collectors, or pino-pretty's coloured lines when the output is a terminal (a person reading).
 * Request and code ids travel as `requestId` / `codeId` fields so one grep follows a code through
 * the API, the worker and the webhook. Lines are written synchronously, so the last one before an
 * exit (`stopped`, a fatal start-up line) is never lost.
 */
export function createLogger(
  level: string,
  role: string,
  options: {
    pretty?: boolean;
    /** 1 = stdout, 2 = stderr (a CLI keeps stdout for its output). @defaultValue 1 */ destination?: 1 | 2;
    /**
     * Lines gather a page at a time (written at least every second, and at exit) instead of one write each:
     * for the access log, whose system call per request cost a busy intake a sixth of its throughput, and
     * whose lines are not the last word before a crash. @defaultValue false
     */
    buffered?: boolean;
  } = {},
): Logger {
  const fd = options.destination ?? 1;
  const pretty = options.pretty ?? (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  const base = { role, pid: process.pid };
  if (!pretty && options.buffered) return pino({ level, base }, bufferedDestination(fd));
  if (!pretty) return pino({ level, base }, pino.destination({ dest: fd, sync: true }));
  return pino({
    level,
    base,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, ignore: 'hostname', translateTime: 'SYS:HH:MM:ss.l', destination: fd },
    },
  });
}

/** How long a buffered line may wait before it is written, on a quiet process. */
const BUFFERED_FLUSH_MS = 1000;

function bufferedDestination(fd: 1 | 2) {
  const destination = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  // A flush that cannot start now (a write still out) reports it to its callback; the next tick writes then.
  setInterval(() => destination.flush(() => {}), BUFFERED_FLUSH_MS).unref();
  return destination;
}
