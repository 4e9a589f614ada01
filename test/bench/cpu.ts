// Where the CPU goes during a benchmark, from /proc (Linux): per process, and for the whole machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0; // the process is gone
  }
}
function pidsOf(command: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', command]).toString().trim().split('\n').map(Number);
  } catch {
    return []; // none running here (pgrep exits 1)
  }
}

/** A process's children, from /proc (none once it is gone). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `npm start`'s processes by role, from their command lines: the supervisor with its API processes, the render workers, the rest. */
export function serviceParts(supervisor: number): Record<string, () => number[]> {
  const of = (match: (cmdline: string) => boolean) => () =>
    [supervisor, ...childrenOf(supervisor)].filter((pid) => {
      try {
        return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
  return {
    'api + supervisor': of((c) => !c.includes('workers/')),
    ...Object.fromEntries(
      ['render', 'batches', 'webhooks', 'maintenance'].map((role) => [
        `${role} workers`,
        of((c) => c.includes(`workers/${role}.ts`)),
      ]),
    ),
  };
}

/**
 * Where the machine's CPU goes per `unit` (a code, a request) while `work` runs: our processes,
 * PostgreSQL's and Redis's (every one of theirs on this machine) and this load generator. On two
 * shared cores the sum against 2 s of CPU per second is what bounds the rate.
 */
export async function cpuPer<T>(
  parts: Record<string, () => number[]>,
  count: number | ((result: T) => number),
  work: () => Promise<T>,
  unit = 'code',
): Promise<{ result: T; text: string; ceiling: number; us: Record<string, number> }> {
  const all = { ...parts, postgres: () => pidsOf('postgres'), redis: () => pidsOf('redis-server') };
  const read = () =>
    new Map(Object.entries(all).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, cpuSeconds(pid)]))]));
  const [before, ownBefore] = [read(), process.cpuUsage()];
  const result = await work();
  const [after, own] = [read(), process.cpuUsage(ownBefore)];
  if (typeof count === 'function') count = count(result);
  // Per process, so that one that exits in between (a PostgreSQL backend) does not subtract its total.
  const spent = (name: string) =>
    [...after.get(name)!].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(name)!.get(pid) ?? 0), 0);
  const perUnit = Object.keys(all).map((name) => [name, (spent(name) * 1e6) / (count as number)] as const);
  perUnit.push(['load generator', (own.user + own.system) / count]);
  const total = perUnit.reduce((sum, [, us]) => sum + us, 0);
  // What the machine could do if every core were busy at this cost per unit.
  const ceiling = (availableParallelism() * 1e6) / total;
  return {
    result,
    text: `CPU µs per ${unit}: ${perUnit.map(([name, us]) => `${name} ${Math.round(us)}`).join(', ')}; total ${Math.round(total)}, so ${availableParallelism()} cores could do at most ${Math.round(ceiling)}/s`,
    ceiling,
    us: Object.fromEntries(perUnit),
  };
}

/** Share of the machine's CPU time that was busy while `work` ran (0–1), from /proc/stat. */
export async function machineBusy<T>(work: () => Promise<T>): Promise<{ result: T; busy: number }> {
  const read = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3]! + fields[4]!, total: fields.reduce((sum, n) => sum + n, 0) }; // idle + iowait
  };
  const before = read();
  const result = await work();
  const after = read();
  return { result, busy: 1 - (after.idle - before.idle) / (after.total - before.total) };
}
