import { removeGoneConnection, type UserConnection } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';

/** Asks API Gateway whether it still has a connection (the Management API's GetConnection). */
export interface ConnectionProbe {
  /** False when API Gateway answered 410 (gone); throws when it could not tell. */
  isOpen(connectionId: string): Promise<boolean>;
}

export interface LivenessDeps {
  storage: Storage;
  probe: ConnectionProbe;
  clock: () => number;
  /** A record this young may belong to a connection still in `$connect` (410 there too): it counts as open. */
  connectGraceMs: number;
}

/**
 * Whether `connection` is open, by API Gateway's own account: its `$disconnect` may have been lost
 * (AWS delivers it on a best-effort basis), and API Gateway ends a connection whose device
 * vanished after 10 idle minutes, so this bounds how long a vanished device counts as online.
 * A connection found gone loses its record, as a push answered 410 would remove it. When API
 * Gateway cannot be asked (throttled, timed out), the record is trusted: it is what a reader had
 * before asking.
 */
export async function isLive(deps: LivenessDeps, connection: Pick<UserConnection, 'connectionId'>): Promise<boolean> {
  let open: boolean;
  try {
    open = await deps.probe.isOpen(connection.connectionId);
  } catch {
    return true;
  }
  if (open) return true;
  const removed = await removeGoneConnection(deps.storage, connection.connectionId, deps.clock() - deps.connectGraceMs);
  return !removed;
}

/** The users (of `connections`' owners) with at least one live connection; asks about each user's connections in turn until one is open. */
export async function usersWithLiveConnections(deps: LivenessDeps, connections: readonly Pick<UserConnection, 'connectionId' | 'userId'>[]): Promise<Set<string>> {
  const byUser = new Map<string, Pick<UserConnection, 'connectionId'>[]>();
  for (const connection of connections) {
    const own = byUser.get(connection.userId);
    if (own) own.push(connection);
    else byUser.set(connection.userId, [connection]);
  }
  const live = new Set<string>();
  await Promise.all(
    [...byUser].map(async ([userId, own]) => {
      for (const connection of own) {
        if (await isLive(deps, connection)) {
          live.add(userId);
          return;
        }
      }
    }),
  );
  return live;
}

/** How many of `connections` are live (each asked, all at once). */
export async function countLive(deps: LivenessDeps, connections: readonly Pick<UserConnection, 'connectionId'>[]): Promise<number> {
  const outcomes = await Promise.all(connections.map((connection) => isLive(deps, connection)));
  return outcomes.filter(Boolean).length;
}
