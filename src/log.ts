import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level: LevelWithSilent;
  /** 1 = stdout (daemon: logs are its output), 2 = stderr (CLI: stdout carries the plan). */
  fd: 1 | 2;
}

/**
 * Field names that hold secrets whatever their value. Nothing else is rewritten: log lines carry the
 * tool's own words, and text from the server is scrubbed where it enters (src/nango/errors.ts), so a
 * secret that happens to equal a word ("apply") never masks `"mode":"apply"`.
 */
const SECRET_PATHS = [
  'secretKey',
  'authorization',
  'headers.authorization',
  '*.client_secret',
  '*.private_key',
  '*.webhook_secret',
  '*.credentials',
  'credentials',
  'body',
];

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: SECRET_PATHS, censor: '(sensitive)' },
    },
    pino.destination({ fd: options.fd, sync: true }),
  );
}
