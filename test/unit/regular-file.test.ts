import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRegularFile } from '../../src/config/regular-file.js';
import { ROOT } from '../helpers/cli.js';
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
    // In a child process with a deadline: an open that waited for a writer would block this test's thread
    // for ever (as it would the daemon's event loop), not fail it.
    const built = pathToFileURL(join(ROOT, 'dist', 'src', 'config', 'regular-file.js')).href;
    const script = `const { readRegularFile } = await import(${JSON.stringify(built)}); console.log(JSON.stringify(readRegularFile(${JSON.stringify(fifo)}, 1024)));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.signal).toBeNull();
    expect(JSON.parse(r.stdout)).toEqual({ notFile: true });
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
