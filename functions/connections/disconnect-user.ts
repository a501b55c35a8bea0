import { connectionsOf } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';

/** Closes one WebSocket connection (the Management API's DeleteConnection). */
export interface ConnectionCloser {
  /** `closed`, or `gone` when API Gateway no longer has the connection (410). */
  close(connectionId: string): Promise<'closed' | 'gone'>;
}

export interface DisconnectDeps {
  storage: Storage;
  closer: ConnectionCloser;
  clock: () => number;
}

/**
 * Closes every live connection of a user, all at once. API Gateway then runs `$disconnect` for
 * each, which removes its record, as when the device itself hangs up; nothing is removed here, so
 * there is one way a connection ends. The connections come from the `byUser` index, which is
 * eventually consistent: a connection opened in the last moment before the call may be missed
 * (docs/server-api.md says to call again, or to revoke the user's tokens first).
 */
export async function disconnectUser(deps: DisconnectDeps, userId: string): Promise<{ closed: number }> {
  const connections = await connectionsOf(deps.storage, [userId], deps.clock());
  const outcomes = await Promise.all(connections.map((connection) => deps.closer.close(connection.connectionId)));
  return { closed: outcomes.filter((outcome) => outcome === 'closed').length };
}
