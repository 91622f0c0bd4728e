import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger };

export interface LogOptions {
  level: LevelWithSilent;
  /** 1 = stdout (daemon: logs are its output), 2 = stderr (CLI: stdout carries the plan). */
  fd: 1 | 2;
  redactor: Redactor;
}

/** Field names that hold secrets whatever their value; values from interpolation are scrubbed by the redactor. */
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
      formatters: { log: (obj) => options.redactor.scrubValue(obj) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a: unknown) => options.redactor.scrubValue(a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    pino.destination({ fd: options.fd, sync: true }),
  );
}
