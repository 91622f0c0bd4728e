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
  /** Share of the last minute in which some runnable task waited for a CPU (Linux PSI), when known. */
  cpuPressure: number | undefined;
}

/** `some avg60` of /proc/pressure/cpu, in percent. */
export function cpuPressure(): number | undefined {
  try {
    const match = /^some .*avg60=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Load average and CPU pressure now, for the start and end lines of a run. */
export function describeLoad(): string {
  const pressure = cpuPressure();
  return `load average ${(loadavg()[0] ?? 0).toFixed(2)}${pressure === undefined ? '' : `, CPU pressure ${pressure.toFixed(0)} % (tasks waiting for a CPU, last minute)`}`;
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
  return { node: process.version, cpus: availableParallelism(), cpuModel: cpuModel(), memoryGiB: totalmem() / 2 ** 30, load: loadavg()[0] ?? 0, cpuPressure: cpuPressure() };
}

export function formatMachine(m: Machine): string {
  const pressure = m.cpuPressure === undefined ? '' : `, CPU pressure ${m.cpuPressure.toFixed(0)} %`;
  return `Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB RAM, ${process.platform}/${process.arch}; at start: load average ${m.load.toFixed(2)}${pressure}`;
}
