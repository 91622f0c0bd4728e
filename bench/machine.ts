// What the figures were measured on: they mean little without it.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine skews wall times. */
  load: number;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return { node: process.version, cpus: availableParallelism(), cpuModel: cpuModel(), memoryGiB: totalmem() / 2 ** 30, load: loadavg()[0] ?? 0 };
}

export function formatMachine(m: Machine): string {
  return `Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB RAM, ${process.platform}/${process.arch}, load average ${m.load.toFixed(2)} at start`;
}
