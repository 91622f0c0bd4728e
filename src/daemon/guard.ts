// Shutdown must not start new API work: requests already sent finish (or time out), later ones fail
// fast, so an apply interrupted by SIGTERM stops between requests and the next start picks up the rest.
import type { NangoClient } from '../nango/types.js';

export class ShuttingDownError extends Error {
  constructor() {
    super('shutting down: request not sent');
    this.name = 'ShuttingDownError';
  }
}

export function stoppableClient(client: NangoClient, stopping: () => boolean): NangoClient {
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => (stopping() ? Promise.reject(new ShuttingDownError()) : call(...args));
  return {
    listIntegrations: guard(() => client.listIntegrations()),
    getIntegration: guard((key: string, include: ReadonlyArray<'credentials' | 'webhook'>) => client.getIntegration(key, include)),
    createIntegration: guard((body: Parameters<NangoClient['createIntegration']>[0]) => client.createIntegration(body)),
    updateIntegration: guard((key: string, body: Parameters<NangoClient['updateIntegration']>[1], options?: Parameters<NangoClient['updateIntegration']>[2]) =>
      client.updateIntegration(key, body, options),
    ),
    deleteIntegration: guard((key: string) => client.deleteIntegration(key)),
    countConnections: guard((key: string, limit: number) => client.countConnections(key, limit)),
  };
}
