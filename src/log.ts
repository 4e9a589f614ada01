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
  } = {},
): Logger {
  const fd = options.destination ?? 1;
  const pretty = options.pretty ?? (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  const base = { role, pid: process.pid };
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

/** How long an access line may wait in the buffer before it is written, on a quiet API. */
const ACCESS_FLUSH_MS = 1000;

/**
 * The access log's logger: its one line per request is buffered (written once a page has gathered, at least
 * every second, and at exit) where every other line is written at once. A system call per request cost a
 * busy intake a sixth of its throughput, and an access line is not the last word before a crash.
 */
export function createAccessLogger(level: string, role: string): Logger {
  if (process.stdout.isTTY) return createLogger(level, role);
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // A flush that cannot start now (a write still out) reports it to its callback; the next tick writes then.
  setInterval(() => destination.flush(() => {}), ACCESS_FLUSH_MS).unref();
  return pino({ level, base: { role, pid: process.pid } }, destination);
}
