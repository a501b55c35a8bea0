import type { ConnectionCloser } from './disconnect-user.js';

/**
 * When the connection's token expires, in epoch milliseconds: the authorizer puts the token's
 * `exp` (epoch seconds) into the context as `tokenExp`, and API Gateway hands that context to
 * every route of the connection. Undefined for a connection authorized before it did.
 */
export function tokenExpiryOf(authorizer: Record<string, unknown> | null | undefined): number | undefined {
  const exp = Number(authorizer?.tokenExp);
  return Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
}

/** What push/pusher.ts offers, as far as a `closing` event needs (connections/ does not import push/). */
export interface ClosingPusher {
  pushToConnections(connections: readonly { connectionId: string }[], event: { event: 'closing'; data: { reason: 'tokenExpired'; retry: boolean } }): Promise<unknown>;
}

export interface ExpiryDeps {
  pusher: ClosingPusher;
  closer: ConnectionCloser;
}

/**
 * Ends a connection whose token expired: the `closing` event first (API Gateway closes a deleted
 * connection with 1000 and no reason, so the reason has to travel in a frame), then
 * DeleteConnection. `retry: true`: the client reconnects with a fresh token.
 */
export async function closeExpiredConnection(deps: ExpiryDeps, connectionId: string): Promise<'closed' | 'gone'> {
  await deps.pusher.pushToConnections([{ connectionId }], { event: 'closing', data: { reason: 'tokenExpired', retry: true } });
  return deps.closer.close(connectionId);
}
