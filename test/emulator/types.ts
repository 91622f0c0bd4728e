// Public contract of the emulator; server.ts re-exports all of it.

/** '400': the write is refused as an invalid body (nothing stored), e.g. to see an echoed error on demand. */
export type FaultKind = '400' | '500' | '503-html' | '429-retry-0' | '429-retry-1' | 'reset' | 'hang' | 'lost-answer';

export interface FaultConfig {
  /** 0..1 probability per API request (control endpoints are never faulted). */
  rate: number;
  /** One is picked at random per faulted request. */
  kinds: FaultKind[];
  /** Only these HTTP methods (default all). */
  methods?: string[];
}

/** scopes undefined = all scopes. */
export interface EmulatorKey {
  secretKey: string;
  environment: string;
  scopes?: string[];
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  keys?: EmulatorKey[];
  /** Added before every API answer. */
  latencyMs?: number;
  /** One fixed window per account: all keys and environments share it. */
  rateLimitPerMinute?: number;
  rateLimitWindowMs?: number;
  faults?: FaultConfig;
  /** Makes fault picking deterministic. */
  randomSeed?: number;
  /** How long a 'hang' fault holds the request before destroying the socket. */
  hangMs?: number;
  /** Some deployments answer unknown GETs with the dashboard (200 text/html) instead of a 404. */
  htmlForUnknownGet?: boolean;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Successful GET answers carry this many bytes of padding, generated while streamed (size-cap tests). */
  answerPaddingBytes?: number;
  /** JSON error answers quote the request back (body and Authorization header, in many encodings): see echo.ts. */
  echoRequestBody?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded). */
  path: string;
  /** Query string without the leading `?`. */
  query: string;
  status: number | 'reset' | 'hang' | 'lost-answer';
  /** Set once the secret key was recognised. */
  environment?: string;
  /** Arrival time (epoch ms). */
  at: number;
}

export interface SeedIntegration {
  unique_key: string;
  provider: string;
  display_name?: string;
  forward_webhooks?: boolean;
  /** Stored as given: tests may seed any shape. */
  credentials?: Record<string, unknown> | null;
  connections?: number;
  integration_config?: Record<string, string>;
}

export interface StoredIntegration {
  unique_key: string;
  provider: string;
  display_name: string;
  forward_webhooks: boolean;
  credentials: Record<string, unknown> | null;
  integration_config?: Record<string, string>;
  custom?: Record<string, string>;
  connections: number;
  created_at: string;
  updated_at: string;
  id: number;
}

export interface Emulator {
  url: string;
  /** Also destroys hanging sockets. */
  close(): Promise<void>;
  /** Every API request in order of answer (control endpoints excluded). */
  requests: RecordedRequest[];
  /** POST/PATCH/DELETE to /integrations* that reached the handler. */
  writes(): RecordedRequest[];
  seed(integrations: SeedIntegration[], environment?: string): void;
  integrations(environment?: string): StoredIntegration[];
  integration(uniqueKey: string, environment?: string): StoredIntegration | undefined;
  setConnections(uniqueKey: string, count: number, environment?: string): void;
  setFaults(faults: FaultConfig | undefined): void;
  setLatency(ms: number): void;
  /** See EmulatorOptions.answerPaddingBytes; 0 turns it off. */
  setAnswerPadding(bytes: number): void;
  setRateLimit(perMinute: number, windowMs?: number): void;
  /**
   * One-shot: the next POST /integrations for `seed.unique_key` finds it already stored, as if another
   * writer had created it just before (between a plan and its apply).
   */
  raceCreate(seed: SeedIntegration, environment?: string): void;
  setEchoRequestBody(on: boolean): void;
  clearRequests(): void;
  /** Drops all integrations and recorded requests, turns faults and races off, padding and echo back to their options, restarts the rate-limit window. */
  reset(): void;
}
