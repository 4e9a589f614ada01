import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The structured logger; `role` names the process (api, worker:render, supervisor). JSON lines
 * for collectors, or pino-pretty's coloured lines when stdout is a terminal (a person reading).
 * Request and code ids travel as `requestId` / `codeId` fields so one grep follows a code through
 * the API, the worker and the webhook.
 */
export function createLogger(level: string, role: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const base = { role, pid: process.pid };
  if (!pretty) return pino({ level, base });
  return pino({
    level,
    base,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, ignore: 'hostname', translateTime: 'SYS:HH:MM:ss.l' },
    },
  });
}
