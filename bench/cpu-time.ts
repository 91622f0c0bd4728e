// CPU time of a running process (all its threads), for figures measured while it keeps running (a daemon).
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ is 100 on every Linux that Node supports. */
const TICK_MS = 10;

/**
 * User + system CPU time of every thread of `pid` so far, in ms. From each thread's schedstat (nanoseconds)
 * when the kernel has it, else from /proc/<pid>/stat (10 ms ticks). Linux only; undefined elsewhere.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {
    // No schedstat (a kernel without CONFIG_SCHEDSTATS), or a thread ended while reading: ticks below.
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * TICK_MS : undefined;
  } catch {
    return undefined;
  }
}
