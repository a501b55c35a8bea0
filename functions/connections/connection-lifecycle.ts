import { listenOnConnect, stopListening } from '../listeners/large-group-listeners.js';
import { DEFAULT_MAX_CONNECTIONS_PER_USER } from '@serverless-im/protocol';
import { ServiceError } from '../errors/service-error.js';
import { type Checkpoint, noCheckpoint } from '../platform/checkpoints.js';
import { connectionsOf, countConnectionsOf, removeConnection, saveConnection } from '../storage/connections.js';
import { countLive, type LivenessDeps } from './liveness.js';
import type { Storage } from '../storage/storage.js';
import { recordLastSeen } from '../storage/timelines/index.js';

export interface ConnectionIdentity {
  connectionId: string;
  userId: string;
  deviceId: string;
}

/** MAX_CONNECTIONS_PER_USER: live connections one user may hold (the stack sets it from `maxConnectionsPerUser`). */
export const maxConnectionsPerUserFromEnv = (text = process.env.MAX_CONNECTIONS_PER_USER): number => {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_CONNECTIONS_PER_USER;
};

/** The user holds `maxConnectionsPerUser` live connections already: `$connect` answers 429. */
export class TooManyConnectionsError extends ServiceError<'TOO_MANY_CONNECTIONS'> {
  override readonly code = 'TOO_MANY_CONNECTIONS';
}

/**
 * Refuses the next connection of a user who holds `max` live ones (refuse-the-next, not
 * close-the-oldest: closing the oldest would let two devices over the cap take turns closing each
 * other forever, and a user's own stale tab could push out their phone). The count comes from the
 * eventually consistent by-user index: handshakes at the same moment may each see room and pass
 * together (the cap is exceeded by at most the handshakes in flight), and a connection closed a
 * moment ago may still count for about a second. At the cap, each counted connection is checked
 * with API Gateway (records whose `$disconnect` was lost would otherwise hold a seat for their
 * whole 2-hour life): only what is really open counts, and the rest is removed.
 */
export async function admitConnection(liveness: LivenessDeps, userId: string, now: number, max = maxConnectionsPerUserFromEnv()): Promise<void> {
  const counted = await countConnectionsOf(liveness.storage, userId, now);
  if (counted < max) return;
  const live = await countLive(liveness, await connectionsOf(liveness.storage, [userId], now));
  if (live >= max) throw new TooManyConnectionsError(`${userId} has ${live} live connections (at most ${max})`);
}

/**
 * `$connect` (after the authorizer): remembers which user and device the connection belongs to and
 * subscribes it to the user's large groups (read fan-out pushes go to listeners).
 */
export async function openConnection(
  liveness: LivenessDeps,
  connection: ConnectionIdentity & { tokenExpiresAt?: number },
  connectedAt: number,
  checkpoint: Checkpoint = noCheckpoint,
): Promise<void> {
  const { storage } = liveness;
  await admitConnection(liveness, connection.userId, connectedAt);
  const largeGroups = await listenOnConnect(storage, connection.userId, connection.connectionId, connectedAt, () =>
    checkpoint('connect:groups-read', { userId: connection.userId }),
  );
  await saveConnection(storage, { ...connection, connectedAt, ...(largeGroups.length > 0 ? { largeGroups } : {}) });
  // Until $connect answers, API Gateway answers pushes to this connection with 410.
  await checkpoint('connect:stored', { userId: connection.userId });
}

/**
 * `$disconnect`: forgets the connection and remembers when the user was last seen. AWS delivers it
 * on a best-effort basis, so connection records also expire on their own.
 */
export async function closeConnection(storage: Storage, connection: Pick<ConnectionIdentity, 'connectionId' | 'userId'>, now: number): Promise<void> {
  const [removed] = await Promise.all([removeConnection(storage, connection.connectionId), recordLastSeen(storage, connection.userId, now)]);
  await stopListening(storage, connection.userId, connection.connectionId, removed?.largeGroups ?? []);
}
