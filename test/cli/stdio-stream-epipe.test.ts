import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { CLI, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

// src/cli/stdio.ts: once a write would block, the output goes through process.stdout; a reader that then
// stops early must end the output as quietly as when the descriptor is written directly.

const fixture = useEmulator();

it('a reader that stops early after the output moved to the stream (a non-blocking pipe) ends it without an error or a stack trace', async () => {
  const items = Array.from({ length: 3_000 }, (_, i) => `  - unique_key: app-${i}\n    provider: posthog\n    display_name: App number ${i}\n`);
  const dir = tempConfig({ 'a.yaml': `integrations:\n${items.join('')}` });
  const fifo = join(mkdtempSync(join(tmpdir(), 'nango-gitops-fifo-')), 'out');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const child = spawn(process.execPath, ['--', CLI, 'plan', '-c', dir, '--detailed-exitcode'], {
    env: { PATH: process.env.PATH ?? '', NANGO_GITOPS_STATE: join(dir, 'state.json'), ...fixture.env() },
    stdio: ['ignore', writer, 'pipe'],
  });
  // The child's stdout made non-blocking once it runs (the child's libuv makes its stdio blocking at start):
  // a Node socket on the same file description sets O_NONBLOCK on it, as any process sharing the pipe that
  // makes its process.stdout does. A write to the full pipe then fails with EAGAIN, and the rest goes to the stream.
  new Socket({ fd: writer, readable: false }).destroy();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

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

  expect(await exited).toBe(2); // changes pending: the command ran to its end
  expect(stderr).toBe('');
});
