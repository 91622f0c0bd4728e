// `npm run bench`: every benchmark, each figure against its bound, then one table. Benchmarks report, they
// do not gate: the exit code is 0 whatever the verdicts, 1 only when a benchmark could not run.
//
//   node dist/bench/run.js [cpu|startup|requests|wall|plan-cpu|daemon]... [--markdown]
import { performance } from 'node:perf_hooks';

import { benchCpu } from './cpu.js';
import { benchDaemon } from './daemon.js';
import { formatMarkdown, formatTable, Reporter, toRow, verdictOf } from './figures.js';
import { describeLoad, describeMachine, formatMachine } from './machine.js';
import { benchPlanCpu } from './plan-cpu.js';
import { benchRequests } from './requests.js';
import { benchStartup } from './startup.js';
import { benchWallTime } from './wall-time.js';

const BENCHMARKS: ReadonlyArray<{ name: string; what: string; run: (report: Reporter) => Promise<void> }> = [
  // In-process first, before this process has done anything else.
  { name: 'cpu', what: 'diff of 10,000 integrations in-process', run: benchCpu },
  { name: 'startup', what: '--help, validate of the examples and plan of 5 vs node -e 0', run: benchStartup },
  { name: 'requests', what: 'requests of cold and converged plans, N = 10, 100, 1,000', run: benchRequests },
  { name: 'wall', what: 'wall time of a cold plan of 1,000 at 20 ms latency', run: benchWallTime },
  { name: 'plan-cpu', what: 'CPU time of a plan of 10,000 with no latency', run: benchPlanCpu },
  { name: 'daemon', what: 'daemon steady-state requests, CPU and memory', run: benchDaemon },
];

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const chosen = args.filter((a) => !a.startsWith('--'));
const unknown = chosen.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark: ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})\n`);
  process.exit(2);
}

const machine = describeMachine();
const started = performance.now();
process.stdout.write(`nango-gitops benchmarks: node dist/bench/run.js ${args.join(' ')}\n${formatMachine(machine)}\n`);
process.stdout.write('Each line: figure  value  bound  ratio  verdict (PASS when ratio <= the target in parentheses).\n');

const report = new Reporter();
const crashed: string[] = [];
for (const bench of BENCHMARKS) {
  if (chosen.length > 0 && !chosen.includes(bench.name)) continue;
  process.stdout.write(`\n== ${bench.name}: ${bench.what}\n`);
  const benchStarted = performance.now();
  try {
    await bench.run(report);
  } catch (error) {
    crashed.push(bench.name);
    process.stdout.write(`CRASH ${bench.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.stdout.write(`  (${((performance.now() - benchStarted) / 1000).toFixed(1)} s)\n`);
}

const rows = report.figures.map(toRow);
const verdicts = report.figures.map(verdictOf);
const count = (v: string): number => verdicts.filter((x) => x === v).length;
process.stdout.write(`\n== Summary\n${formatTable(rows)}\n`);
process.stdout.write(
  `\n${count('PASS')} PASS, ${count('MISS')} MISS, ${count('INFO')} without a bound${crashed.length > 0 ? `; CRASHED: ${crashed.join(', ')}` : ''}. ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s; at the end: ${describeLoad()}.\n`,
);
if (markdown) process.stdout.write(`\n${formatMarkdown(rows)}\n`);
process.exitCode = crashed.length > 0 ? 1 : 0;
