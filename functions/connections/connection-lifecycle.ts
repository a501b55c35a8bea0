import { listenOnConnect, stopListening } from '../listeners/large-group-listeners.js';
import { type Checkpoint, noCheckpoint } from '../platform/checkpoints.js';
import { removeConnection, saveConnection } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';
import { recordLastSeen } from '../storage/timelines/index.js';

export interface ConnectionIdentity {
  connectionId: string;
  userId: string;
  deviceId: string;
}

/**
 * `$connect` (after the authorizer): remembers which user and device the connection belongs to and
 * subscribes it to the user's large groups (read fan-out pushes go to listeners).
 */
export async function openConnection(storage: Storage, connection: ConnectionIdentity, connectedAt: number, checkpoint: Checkpoint = noCheckpoint): Promise<void> {
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
