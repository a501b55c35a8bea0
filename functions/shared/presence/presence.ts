import { connectionsOf } from '../push/connection-directory.js';
import { batchGetAll } from '../storage/batch.js';
import type { Storage } from '../storage/tables.js';

export interface PresenceState {
  online: boolean;
  /** Epoch ms of the last sign of life; null when the user was never seen. */
  lastSeen: number | null;
}

/**
 * A user is online while a connection of theirs is alive: it exists and has not expired (pings
 * keep it fresh, so a crashed client drops out after the connection TTL). Otherwise `lastSeen`
 * is when their last connection ended, kept on their timeline head.
 */
export async function presenceOf(storage: Storage, userIds: readonly string[], now: number): Promise<Record<string, PresenceState>> {
  const unique = [...new Set(userIds)];
  const [connections, heads] = await Promise.all([
    connectionsOf(storage, unique, now),
    batchGetAll(storage.db, storage.tables.timelines, unique.map((userId) => ({ userId, seq: 0 })), { projection: 'userId, lastSeen' }),
  ]);
  const lastSeenStored = new Map<string, number>();
  for (const item of heads) {
    if (item.lastSeen !== undefined) lastSeenStored.set(String(item.userId), Number(item.lastSeen));
  }
  // fromEntries defines own properties, so a user named "__proto__" is just a key.
  return Object.fromEntries(
    unique.map((userId): [string, PresenceState] => {
      const online = connections.some((connection) => connection.userId === userId);
      return [userId, online ? { online, lastSeen: now } : { online, lastSeen: lastSeenStored.get(userId) ?? null }];
    }),
  );
}
