import { execFileSync } from 'node:child_process';

/** Whether this machine has mkfifo (coreutils): tests of FIFOs where a file should be are skipped without it. */
export const hasMkfifo = ((): boolean => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
