// Everything one environment's secret key opens: its client, its fingerprinter and its section of the
// state file. Nango's rate limit is one window per account, shared by all its environments, so every
// environment on one host gets the same pacer: together they never exceed the window.
import { createNangoClient, type ClientOptions, type ResponseEvent } from '../nango/client.js';
import type { MessageNames } from '../nango/errors.js';
import type { RateLimitPacer } from '../nango/pacer.js';
import { createPacerPool } from '../nango/pacers.js';
import type { NangoClient } from '../nango/types.js';
import { createFingerprinter, type Fingerprinter } from '../plan/fingerprint.js';
import type { Redactor } from '../redact.js';
import { openFingerprintFile, type FingerprintFile, type FingerprintStore } from '../state/fingerprints.js';

/** Where one environment is and how to authenticate to it. */
export interface RemoteTarget {
  /** The `environments:` name; undefined without an environments block. */
  environment?: string;
  /** Base URL without trailing slash (DesiredState.host, NANGO_HOST). */
  host: string;
  secretKey: string;
  /** The variable that holds the key (`NANGO_SECRET_KEY_PROD`), named in an authentication error. */
  secretKeyVariable?: string;
}

export interface Remote {
  environment?: string;
  host: string;
  client: NangoClient;
  fingerprint: Fingerprinter;
  fingerprints: FingerprintStore;
}

/** Client settings every environment shares (the key, host, pacer and scrubbing are set per remote). */
export type SharedClientOptions = Pick<
  ClientOptions,
  'timeoutMs' | 'maxRetries' | 'retryBaseMs' | 'maxListResponseBytes' | 'maxResponseBytes' | 'responseLimitHints' | 'env'
>;

export interface RemotesOptions {
  /** The fingerprint state file (`--state`); undefined keeps fingerprints in memory only. */
  statePath: string | undefined;
  /** Every secret key opened is added to it (any letter case); the clients scrub server text with it. */
  redactor: Redactor;
  client?: SharedClientOptions;
  /** Called once per HTTP attempt of any remote, with the environment it was for. */
  onResponse?: (event: ResponseEvent, target: { environment?: string; host: string }) => void;
}

export interface Remotes {
  /**
   * The remote of this target. While an environment's host and key stay the same, the same remote is
   * returned (one client, one fingerprint section for the process's life: the daemon calls this on
   * every reconcile). Throws an Error with a one-line message when the host or a proxy variable cannot be used.
   */
  open(target: RemoteTarget): Remote;
  /** The pacer of every environment on this host (src/nango/pacers.ts: one per URL, case and default port aside). */
  pacer(host: string): RateLimitPacer;
  /** The state file, read once; each environment has its own section in it. */
  readonly fingerprints: FingerprintFile;
}

/** Reads the state file (throws an Error naming it when it is unreadable or of the wrong shape). */
export async function openRemotes(options: RemotesOptions): Promise<Remotes> {
  const fingerprints = await openFingerprintFile(options.statePath);
  const pacer = createPacerPool();
  const opened = new Map<string, { host: string; secretKey: string; remote: Remote }>();

  function open(target: RemoteTarget): Remote {
    const id = target.environment ?? '';
    const known = opened.get(id);
    if (known && known.host === target.host && known.secretKey === target.secretKey) return known.remote;
    const { environment, host, secretKey } = target;
    options.redactor.add([secretKey], { caseInsensitive: true });
    const client = createNangoClient({
      ...options.client,
      host,
      secretKey,
      pacer: pacer(host),
      ...(environment !== undefined ? { names: messageNames(environment, target.secretKeyVariable) } : {}),
      redactor: options.redactor,
      ...(options.onResponse ? { onResponse: (e: ResponseEvent) => options.onResponse?.(e, environment !== undefined ? { environment, host } : { host }) } : {}),
    });
    const remote: Remote = {
      ...(environment !== undefined ? { environment } : {}),
      host,
      client,
      fingerprint: createFingerprinter(secretKey),
      fingerprints: fingerprints.store(secretKey, environment),
    };
    opened.set(id, { host, secretKey, remote });
    return remote;
  }

  return { open, pacer, fingerprints };
}

/** Errors say which environment's host or key is wrong, not NANGO_HOST / NANGO_SECRET_KEY. */
export function messageNames(environment: string, variable: string | undefined): MessageNames {
  const key = `the secret key of environment ${environment}`;
  return { host: `the host of environment ${environment}`, secretKey: variable !== undefined ? `${variable} (${key})` : key };
}

