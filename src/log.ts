import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The structured JSON logger; `role` names the process (api, worker:render, supervisor). */
export function createLogger(level: string, role: string): Logger {
  return pino({ level, base: { role, pid: process.pid } });
}
