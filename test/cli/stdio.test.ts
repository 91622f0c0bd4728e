import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

// src/cli/stdio.ts: output goes to file descriptors 1 and 2 directly, without process.stdout/stderr.

const fixture = useEmulator();

/** A config of `n` integrations none of which exists yet: a plan of `n` creates, ~150 bytes each. */
function manyCreates(n: number): string {
  const items = Array.from({ length: n }, (_, i) => `  - unique_key: app-${i}\n    provider: posthog\n    display_name: App number ${i}\n`);
  return tempConfig({ 'a.yaml': `integrations:\n${items.join('')}` });
}

/**
 * `plan` with its stdout on a FIFO whose write side becomes non-blocking once the child runs (the child's
 * libuv makes its stdio blocking at start, whatever it inherited): a Node socket on the same file
 * description sets O_NONBLOCK, as any process sharing the pipe that makes its process.stdout does. A write
 * to the full pipe then fails with EAGAIN, and the rest of the output goes through the stream.
 */
function planOnNonBlockingPipe(dir: string, args: string[] = []): { reader: number; exited: Promise<{ code: number | null; stderr: string }> } {
  const fifo = join(mkdtempSync(join(tmpdir(), 'nango-gitops-fifo-')), 'out');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const child = spawn(process.execPath, ['--', CLI, 'plan', '-c', dir, ...args], {
    env: { PATH: process.env.PATH ?? '', NANGO_GITOPS_STATE: join(dir, 'state.json'), ...fixture.env() },
    stdio: ['ignore', writer, 'pipe'],
  });
  new Socket({ fd: writer, readable: false }).destroy();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { reader, exited: new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr }))) };
}

describe('output to stdout', () => {
  it('a reader that stops early (`| head`) ends the output without an error or a stack trace; the exit code is the command\'s', async () => {
    const dir = manyCreates(3_000);
    const child = spawn(process.execPath, ['--', CLI, 'plan', '-c', dir, '--detailed-exitcode'], {
      env: { PATH: process.env.PATH ?? '', NANGO_GITOPS_STATE: join(dir, 'state.json'), ...fixture.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the child has started: every write of the plan meets a pipe with no reader.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(2); // changes pending: the command ran to its end
  });

  it('a stdout that would block (a non-blocking pipe, a slow reader) still gets the whole output, in order', async () => {
    const dir = manyCreates(3_000);
    const expected = await runCli(['plan', '-c', dir], { env: fixture.env() });
    expect(expected.code, expected.stderr).toBe(0);
    expect(expected.stdout.length).toBeGreaterThan(3 * 65_536); // far more than a pipe holds (64 KiB)

    const { reader, exited } = planOnNonBlockingPipe(dir);

    await sleep(1_000); // the child fills the pipe and finds it full
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(65_536);
    for (;;) {
      let n: number;
      try {
        n = readSync(reader, buffer);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        await sleep(5);
        continue;
      }
      if (n === 0) break; // every writer closed: the child has exited
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      await sleep(1);
    }
    closeSync(reader);
    expect(await exited).toEqual({ code: 0, stderr: '' });
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected.stdout);
  });

  it('a reader that stops early after the output moved to the stream ends it without an error or a stack trace', async () => {
    const { reader, exited } = planOnNonBlockingPipe(manyCreates(3_000), ['--detailed-exitcode']);
    // Some output read (the child is writing, the pipe is full), then the reader goes away, as `| head` does.
    let read = 0;
    const buffer = Buffer.alloc(65_536);
    while (read === 0) {
      try {
        read = readSync(reader, buffer);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        await sleep(20);
      }
    }
    await sleep(500); // the pipe full again: the child's output is queued in process.stdout
    closeSync(reader);
    // Changes pending: the command ran to its end.
    expect(await exited).toEqual({ code: 2, stderr: '' });
  });
});
