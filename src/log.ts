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
