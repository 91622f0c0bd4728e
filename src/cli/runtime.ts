import { DEFAULT_HOST } from '../config/environment-target.js';
import { createLogger, type Logger } from '../log.js';
import { createNangoClient } from '../nango/client.js';
import type { NangoClient } from '../nango/types.js';
import { createFingerprinter, type Fingerprinter } from '../plan/fingerprint.js';
import { createRedactor, type Redactor } from '../redact.js';
import { openFingerprintStore, type FingerprintStore } from '../state/fingerprints.js';
import { EXIT, UserError } from './exit-codes.js';
import { responseLimits, type CommonOptions, type RemoteOptions } from './options.js';

export { DEFAULT_HOST };

/** The secret key and everything derived from it, set up once per command (or per daemon). */
export interface Remote {
  host: string;
  client: NangoClient;
  fingerprint: Fingerprinter;
  fingerprints: FingerprintStore;
}

export function createRuntime(opts: CommonOptions, fd: 1 | 2 = 2): { redactor: Redactor; log: Logger } {
  const redactor = createRedactor();
  const log = createLogger({ level: opts.logLevel, fd });
  return { redactor, log };
}

export function readSecretKey(): string {
  const key = process.env.NANGO_SECRET_KEY?.trim();
  if (!key) throw new UserError('env NANGO_SECRET_KEY: not set (the secret key of the Nango environment to reconcile)', EXIT.error);
  return key;
}

export async function connectRemote(
  opts: RemoteOptions,
  redactor: Redactor,
  log: Logger,
  onResponse?: (e: { method: string; route: string; status: number | undefined; durationMs: number; attempt: number }) => void,
): Promise<Remote> {
  const secretKey = readSecretKey();
  redactor.add([secretKey], { caseInsensitive: true });
  const host = (process.env.NANGO_HOST?.trim() || DEFAULT_HOST).replace(/\/+$/, '');
  let client: NangoClient;
  try {
    client = createNangoClient({
      host,
      secretKey,
      timeoutMs: opts.timeout,
      ...responseLimits(opts),
      redactor,
      onResponse: (e) => {
        log.debug({ method: e.method, route: e.route, status: e.status, ms: Math.round(e.durationMs), attempt: e.attempt }, 'nango request');
        onResponse?.(e);
      },
    });
  } catch (err) {
    // A bad NANGO_HOST or proxy variable: one line, no stack trace.
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  let fingerprints: FingerprintStore;
  try {
    fingerprints = await openFingerprintStore(opts.state, secretKey);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  return { host, client, fingerprint: createFingerprinter(secretKey), fingerprints };
}
