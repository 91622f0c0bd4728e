/** The API's largest page of connections: a count at this value means "at least" (counted in reconcile/connections.ts). */
export const CONNECTIONS_LIMIT = 2000;
