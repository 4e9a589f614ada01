import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = (() => {
  const versions = execFileSync('ls', ['/usr/lib/postgresql'])
    .toString()
    .trim()
    .split('\n')
    .sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin`;
})();

/** Runs a PostgreSQL tool as the postgres user (initdb and the server refuse to run as root). */
function asPostgres(tool: string, args: string[]): string {
  const command =
    process.getuid?.() === 0
      ? ['runuser', '-u', 'postgres', '--', path.join(BIN, tool), ...args]
      : [path.join(BIN, tool), ...args];
  return execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export type TestPostgres = {
  url: (database: string) => string;
  stop: () => void;
  start: () => void;
  destroy: () => void;
};

/**
 * A PostgreSQL cluster owned by one test (trust auth, its own port and socket directory), for
 * outages: the shared server on 5432 is never stopped.
 */
export function startPostgresServer(port: number): TestPostgres {
  const dir = mkdtempSync(path.join(tmpdir(), 'codes-pg-'));
  if (process.getuid?.() === 0)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres']).toString()),
      Number(execFileSync('id', ['-g', 'postgres']).toString()),
    );
  const data = path.join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () =>
    void asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stop = () => void asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop,
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
