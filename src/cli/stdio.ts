// The CLI's output, written to file descriptors 1 and 2 directly. Node makes process.stdout and
// process.stderr on first use, and for a pipe (CI, `| tee`, any parent that reads the output) that builds
// a net.Socket and loads node:net and the stream machinery: ~3 ms, about 5 % of a `validate`. A write to
// the descriptor is what that stream does for a pipe or file on Linux anyway (synchronously). Where it
// would block (a descriptor left non-blocking, e.g. a terminal shared with stdin that Node has opened), the
// rest of the output goes through the stream, which waits for it; the order of the output is kept.
import { builtin } from '../builtin.js';
const { fstatSync, writeSync } = builtin('node:fs');

type Fd = 1 | 2;

const viaStream = new Set<Fd>();
const closed = new Set<Fd>();

function stream(fd: Fd): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

function write(fd: Fd, text: string): void {
  if (closed.has(fd) || text === '') return;
  if (viaStream.has(fd)) {
    stream(fd).write(text);
    return;
  }
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        viaStream.add(fd);
        const out = stream(fd);
        // A reader that goes away later ends the output as quietly as below (the stream reports it as an event).
        out.on('error', (failure: NodeJS.ErrnoException) => {
          if (failure.code !== 'EPIPE') throw failure;
          closed.add(fd);
        });
        out.write(bytes);
        return;
      }
      // The reader went away (`| head`): the rest of the output has nowhere to go, and that is no error.
      if (code === 'EPIPE') {
        closed.add(fd);
        return;
      }
      throw err;
    }
  }
}

export function writeStdout(text: string): void {
  write(1, text);
}

export function writeStderr(text: string): void {
  write(2, text);
}

/** Whether some output went to a stream, which may still be writing it (the process must not exit under it). */
export function outputPending(): boolean {
  return viaStream.size > 0;
}

/**
 * Whether stdout is a terminal, without making process.stdout. A terminal is a character device: a pipe or
 * a file is told apart by fstat, without loading node:tty (which loads node:net and the stream machinery,
 * ~2 ms of every command whose output is read by a program).
 */
export function stdoutIsTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    // Closed: not a terminal either.
    return false;
  }
  return builtin('node:tty').isatty(1);
}
