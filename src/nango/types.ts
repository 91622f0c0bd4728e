import type { ApiPublicIntegration, PatchPublicIntegration, PostPublicIntegration } from '@nangohq/types';

export type ApiIntegration = ApiPublicIntegration;
export type CreateIntegrationBody = PostPublicIntegration['Body'];
export type UpdateIntegrationBody = PatchPublicIntegration['Body'];
export type ApiCredentials = NonNullable<ApiPublicIntegration['credentials']>;

/** A failed API call, with a message that is safe to print (no secret, no request body). */
export class NangoApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'NangoApiError';
  }
}

export interface UpdateIntegrationOptions {
  /** The provider the integration has (it cannot change in a PATCH). */
  provider?: string;
}

export interface RequestStats {
  /** Counted per HTTP attempt, retries included. */
  requests: number;
  byMethodStatus: Record<string, number>;
}

export interface NangoClient {
  listIntegrations(): Promise<ApiIntegration[]>;
  /** null when the integration does not exist (404). */
  getIntegration(uniqueKey: string, include: ReadonlyArray<'credentials' | 'webhook'>): Promise<ApiIntegration | null>;
  createIntegration(body: CreateIntegrationBody): Promise<ApiIntegration>;
  /**
   * A rename whose answer was lost is recognised as done when the new key exists afterwards; pass the
   * integration's provider so that only the right integration counts.
   */
  updateIntegration(uniqueKey: string, body: UpdateIntegrationBody, options?: UpdateIntegrationOptions): Promise<ApiIntegration>;
  deleteIntegration(uniqueKey: string): Promise<void>;
  /** Number of connections, capped at `limit` (the API's max is 2000). */
  countConnections(uniqueKey: string, limit: number): Promise<number>;
}

/** What the planner knows of one remote integration. */
export interface LiveIntegration {
  unique_key: string;
  provider: string;
  display_name: string;
  forward_webhooks: boolean;
  created_at: string;
  updated_at: string;
  /**
   * 'not-fetched': details were not read (credentials not managed);
   * 'unreadable': details were read but the key may not read credentials (field absent);
   * null: the provider has no credentials; otherwise what the API returned.
   */
  credentials: ApiCredentials | null | 'not-fetched' | 'unreadable';
  webhook_url?: string | null;
}

export interface LiveState {
  integrations: LiveIntegration[];
}
