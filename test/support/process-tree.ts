import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, … */
function statOf(pid: number): { ppid: number; pgrp: number; rssPages: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]), rssPages: Number(fields[21]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

const pids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** Live processes of a process group (a child spawned `detached` leads its own): what is left after it exits. */
export function processesInGroup(pgrp: number): number[] {
  return pids().filter((pid) => statOf(pid)?.pgrp === pgrp);
}

/** A process and all its descendants, with each one's resident memory in bytes. */
export function processTree(root: number): { pid: number; rssBytes: number }[] {
  const stats = new Map(pids().map((pid) => [pid, statOf(pid)] as const));
  const tree: { pid: number; rssBytes: number }[] = [];
  const visit = (pid: number) => {
    const stat = stats.get(pid);
    if (!stat) return;
    tree.push({ pid, rssBytes: stat.rssPages * 4096 });
    for (const [child, s] of stats) if (s?.ppid === pid) visit(child);
  };
  visit(root);
  return tree;
}
