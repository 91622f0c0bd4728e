import { DEFAULT_HOST } from '../config/environment-target.js';
import type { Logger } from '../log.js';
import { createCliLog, type CliLog } from './cli-log.js';
import type { ResponseEvent } from '../nango/client.js';
import { openRemotes, type Remote, type Remotes } from '../reconcile/remotes.js';
import { createRedactor, type Redactor } from '../redact.js';
import { EXIT, UserError } from './exit-codes.js';
import { responseLimits, type CommonOptions, type RemoteOptions } from './options.js';

export { DEFAULT_HOST };
export type { Remote };

/** The daemon's: every level it logs at, on `fd`. */
export async function createRuntime(opts: CommonOptions, fd: 1 | 2): Promise<{ redactor: Redactor; log: Logger }> {
  const { createLogger } = await import('../log.js');
  return { redactor: createRedactor(), log: createLogger({ level: opts.logLevel, fd }) };
}

/** plan's, apply's and export's: logs on stderr (stdout carries their output). */
export async function createCliRuntime(opts: CommonOptions): Promise<{ redactor: Redactor; log: CliLog }> {
  return { redactor: createRedactor(), log: await createCliLog(opts.logLevel, 2) };
}

export function readSecretKey(): string {
  const key = process.env.NANGO_SECRET_KEY?.trim();
  if (!key) throw new UserError('env NANGO_SECRET_KEY: not set (the secret key of the Nango environment to reconcile)', EXIT.error);
  return key;
}

/** The remote of a config without an environments block: NANGO_SECRET_KEY on NANGO_HOST. */
export async function connectRemote(
  opts: RemoteOptions,
  redactor: Redactor,
  log: CliLog,
  onResponse?: (e: { method: string; route: string; status: number | undefined; durationMs: number; attempt: number }) => void,
): Promise<Remote> {
  const secretKey = readSecretKey();
  redactor.add([secretKey], { caseInsensitive: true });
  const host = (process.env.NANGO_HOST?.trim() || DEFAULT_HOST).replace(/\/+$/, '');
  const remotes = await openCliRemotes(opts, redactor, log, onResponse);
  try {
    return remotes.open({ host, secretKey });
  } catch (err) {
    // A bad NANGO_HOST or proxy variable: one line, no stack trace.
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The remotes of a run (one state file, one pacer per host), with the CLI's client settings and a debug
 * log line per request. A state file that cannot be used is a UserError (exit 1, before any request).
 */
export async function openCliRemotes(
  opts: RemoteOptions,
  redactor: Redactor,
  log: CliLog,
  onResponse?: (e: ResponseEvent, target: { environment?: string; host: string }) => void,
): Promise<Remotes> {
  try {
    return await openRemotes({
      statePath: opts.state,
      redactor,
      client: { timeoutMs: opts.timeout, ...responseLimits(opts) },
      onResponse: (e, target) => {
        const where = target.environment !== undefined ? { environment: target.environment } : {};
        log.debug({ ...where, method: e.method, route: e.route, status: e.status, ms: Math.round(e.durationMs), attempt: e.attempt }, 'nango request');
        onResponse?.(e, target);
      },
    });
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err), EXIT.error, 'state');
  }
}
