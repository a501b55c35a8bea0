import { addListeners, forgetLiveConnection, type GroupListener, liveConnectionsOf, listenerExpiry, recordLiveConnection, removeListener } from '../storage/group-listeners.js';
import { existingMembers, largeGroupsOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

/**
 * Read fan-out pushes a large group's messages to its listeners: the live connections of its
 * members. A connection starts listening when it opens (to every large group of its user), when
 * its user joins a large group, or when a group turns large; it stops when it closes or its user
 * leaves.
 *
 * A `$connect` and a membership change (a join, a removal, the switch to read fan-out) can run at
 * the same moment, each deciding about the same (connection, group) pair from what it reads of the
 * other. Each side first writes its own fact, then reads the other's strongly consistently, then
 * acts, and checks again after adding a listener:
 * - `$connect` records the connection in the live-connection directory, then reads its user's large
 *   groups; a change records the membership (or `large`), then reads the directory. So at least
 *   one of them sees both facts, and the connection is subscribed by one side or the other.
 * - Whoever adds a listener re-reads the membership afterwards and takes the listener back if the
 *   user is no longer a member; a removal deletes the listeners of every connection in the
 *   directory after deleting the membership. So a removed member never keeps a listener.
 */

/** Subscribes a new connection to its user's large groups; returns them (kept on the connection). */
export async function listenOnConnect(storage: Storage, userId: string, connectionId: string, now: number, afterRead: () => Promise<void> = async () => {}): Promise<string[]> {
  await recordLiveConnection(storage, userId, connectionId, now);
  const groups = await largeGroupsOf(storage, userId);
  await afterRead();
  if (groups.length === 0) return groups;
  await addListeners(storage, groups.map((conversationId) => ({ conversationId, connectionId, userId, expiresAt: listenerExpiry(now) })));
  const still = new Set(await largeGroupsOf(storage, userId));
  const left = groups.filter((conversationId) => !still.has(conversationId));
  await Promise.all(left.map((conversationId) => removeListener(storage, conversationId, connectionId)));
  return groups.filter((conversationId) => still.has(conversationId));
}

/** Unsubscribes a closed connection from the groups it listened to, and takes it out of the directory. */
export async function stopListening(storage: Storage, userId: string, connectionId: string, groups: readonly string[]): Promise<void> {
  await Promise.all([forgetLiveConnection(storage, userId, connectionId), ...groups.map((conversationId) => removeListener(storage, conversationId, connectionId))]);
}

/**
 * Subscribes the live connections of `userIds` to a large group, after their membership (and its
 * `large` mark) was written; keeps only those still members once the listeners are in.
 */
export async function listenWithLiveConnections(storage: Storage, conversationId: string, userIds: readonly string[], now: number): Promise<void> {
  const connections = await liveConnectionsOf(storage, userIds, now);
  if (connections.length === 0) return;
  const listeners: GroupListener[] = connections.map((c) => ({ conversationId, connectionId: c.connectionId, userId: c.userId, expiresAt: listenerExpiry(now) }));
  await addListeners(storage, listeners);
  const members = await existingMembers(storage, conversationId, [...new Set(connections.map((c) => c.userId))]);
  await Promise.all(listeners.filter((l) => !members.has(l.userId)).map((l) => removeListener(storage, conversationId, l.connectionId)));
}

/** Unsubscribes every connection of `userIds` that may still be open from a large group (they left it), after their rows went. */
export async function stopListeningWithLiveConnections(storage: Storage, conversationId: string, userIds: readonly string[], now: number): Promise<void> {
  const connections = await liveConnectionsOf(storage, userIds, now);
  await Promise.all(connections.map((connection) => removeListener(storage, conversationId, connection.connectionId)));
}
