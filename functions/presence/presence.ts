import type { PresenceInfo } from '@serverless-im/protocol';
import { connectionsOf } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';
import { lastSeenOf } from '../storage/timelines/index.js';

/**
 * A user is online while a connection of theirs is alive: it exists and has not expired (pings
 * keep it fresh, so a crashed client drops out after the connection TTL). Otherwise `lastSeen`
 * is when their last connection ended, kept on their timeline head.
 */
export async function presenceOf(storage: Storage, userIds: readonly string[], now: number): Promise<Record<string, PresenceInfo>> {
  const unique = [...new Set(userIds)];
  const [connections, lastSeen] = await Promise.all([connectionsOf(storage, unique, now), lastSeenOf(storage, unique)]);
  // fromEntries defines own properties, so a user named "__proto__" is just a key.
  return Object.fromEntries(
    unique.map((userId): [string, PresenceInfo] => {
      const online = connections.some((connection) => connection.userId === userId);
      return [userId, online ? { online, lastSeen: now } : { online, lastSeen: lastSeen.get(userId) ?? null }];
    }),
  );
}
