import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegularFile } from '../../src/config/regular-file.js';
import { hasMkfifo } from '../helpers/mkfifo.js';

// src/config/regular-file.ts: the type is judged on the opened descriptor, never on the path beforehand.
describe('readRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-regular-'));

  it('reads a regular file whole, and refuses one over the limit with its size', () => {
    writeFileSync(join(dir, 'a.yaml'), 'integrations: []\n');
    expect(readRegularFile(join(dir, 'a.yaml'), 1024)).toEqual({ bytes: Buffer.from('integrations: []\n') });
    expect(readRegularFile(join(dir, 'a.yaml'), 5)).toEqual({ tooLarge: 17, grew: false });
  });

  it('a directory is no file; a missing path throws its error for the caller to word', () => {
    expect(readRegularFile(dir, 1024)).toEqual({ notFile: true });
    expect(() => readRegularFile(join(dir, 'missing.yaml'), 1024)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it.skipIf(!hasMkfifo)('a FIFO with no writer is no file, at once: opening it does not wait for one', () => {
    const fifo = join(dir, 'swapped.yaml');
    execFileSync('mkfifo', [fifo]);
    // Without O_NONBLOCK this open would block the test (and the daemon's event loop) for ever.
    expect(readRegularFile(fifo, 1024)).toEqual({ notFile: true });
  });

  it('a Unix socket is no file', async () => {
    const path = join(dir, 'socket.yaml');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(readRegularFile(path, 1024)).toEqual({ notFile: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
