import { connectionsOf } from '../storage/connections.js';
import { addListeners, listenerExpiry, removeListener } from '../storage/group-listeners.js';
import { largeGroupsOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

/**
 * Read fan-out pushes a large group's messages to its listeners: the live connections of its
 * members. A connection starts listening when it opens (to every large group of its user), when
 * its user joins a large group, or when a group turns large; it stops when it closes or its user
 * leaves.
 */

/** Subscribes a new connection to its user's large groups; returns them (kept on the connection). */
export async function listenOnConnect(storage: Storage, userId: string, connectionId: string, now: number): Promise<string[]> {
  const groups = await largeGroupsOf(storage, userId);
  await addListeners(storage, groups.map((conversationId) => ({ conversationId, connectionId, userId, expiresAt: listenerExpiry(now) })));
  return groups;
}

/** Unsubscribes a closed connection from the groups it listened to. */
export async function stopListening(storage: Storage, connectionId: string, groups: readonly string[]): Promise<void> {
  await Promise.all(groups.map((conversationId) => removeListener(storage, conversationId, connectionId)));
}

/** Subscribes the live connections of `userIds` to a large group. */
export async function listenWithLiveConnections(storage: Storage, conversationId: string, userIds: readonly string[], now: number): Promise<void> {
  const connections = await connectionsOf(storage, userIds, now);
  await addListeners(
    storage,
    connections.map((c) => ({ conversationId, connectionId: c.connectionId, userId: c.userId, expiresAt: listenerExpiry(now) })),
  );
}

/** Unsubscribes the live connections of `userIds` from a large group (they left it). */
export async function stopListeningWithLiveConnections(storage: Storage, conversationId: string, userIds: readonly string[], now: number): Promise<void> {
  const connections = await connectionsOf(storage, userIds, now);
  await Promise.all(connections.map((connection) => removeListener(storage, conversationId, connection.connectionId)));
}
