// A file read only if it is a regular file, judged on the opened descriptor. A stat of the path before the
// read leaves a moment in which a FIFO put in its place would block the read: the reads are synchronous, so
// in the daemon that would stop the whole event loop, health checks included. Opening with O_NONBLOCK
// returns at once for a FIFO (and changes nothing for a regular file).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type RegularRead = { bytes: Buffer } | { notFile: true } | { tooLarge: number; grew: boolean };

/** Throws the open's error (ENOENT, EACCES, ...) for the caller to word; a socket (ENXIO) is no file. */
export function readRegularFile(path: string, maxBytes: number): RegularRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') return { notFile: true };
    throw err;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { notFile: true };
    if (info.size > maxBytes) return { tooLarge: info.size, grew: false };
    // At most one byte past the limit, in case the file grew since its size was read.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > maxBytes) return { tooLarge: length, grew: true };
    return { bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}
