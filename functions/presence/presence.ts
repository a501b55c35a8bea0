import { directConversationId, type PresenceInfo } from '@serverless-im/protocol';
import { type LivenessDeps, usersWithLiveConnections } from '../connections/liveness.js';
import { connectionsOf } from '../storage/connections.js';
import { directHeadOf, hasMessages, headsOf, isBlocked } from '../storage/conversations/index.js';
import { listMemberships, membersAmong, membershipsOfUsers } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { lastSeenOf } from '../storage/timelines/index.js';

/** What `presence` answers about a user it may not report: the same as for a user who does not exist. */
const UNREPORTED: PresenceInfo = { online: false, lastSeen: null };

/**
 * Up to this many (user, group) pairs, shared groups are found with one batch get of the users'
 * rows for the caller's groups; beyond it, one query of each remaining user's rows is cheaper.
 */
const GROUP_PAIRS_BATCH_MAX = 100;

/**
 * Of `userIds`, those `caller` may see: themselves, and users who share a conversation with them
 * (a direct conversation with a message, or a group) and neither of whom blocks the other. Cost:
 * one batch get of the pair heads (direct conversations and blocks); for users not settled by
 * them, the caller's memberships (one query) and either one batch get of (user, group) rows or one
 * query per such user, whichever is fewer reads.
 */
export async function visibleTo(storage: Storage, caller: string, userIds: readonly string[]): Promise<Set<string>> {
  const others = userIds.filter((userId) => userId !== caller);
  const visible = new Set(userIds.filter((userId) => userId === caller));
  if (others.length === 0) return visible;
  const pairOf = new Map(others.map((userId) => [userId, directConversationId(caller, userId)]));
  const heads = await headsOf(storage, [...pairOf.values()]);
  const undecided: string[] = [];
  for (const userId of others) {
    const item = heads.get(pairOf.get(userId)!);
    const head = directHeadOf(item);
    if (isBlocked(head)) continue;
    if (hasMessages(head)) visible.add(userId);
    else undecided.push(userId);
  }
  if (undecided.length === 0) return visible;
  const groups = (await listMemberships(storage, caller)).filter((row) => row.kind === 'group').map((row) => row.conversationId);
  if (groups.length === 0) return visible;
  const sharing =
    undecided.length * groups.length <= GROUP_PAIRS_BATCH_MAX
      ? await membersAmong(storage, undecided, groups)
      : await membershipsOfUsers(storage, undecided, new Set(groups));
  for (const userId of sharing) visible.add(userId);
  return visible;
}

/**
 * A user is online while a connection of theirs is open: its record exists, and API Gateway, asked
 * (GetConnection), still has it. Records last a connection's whole life without refresh, and a
 * lost `$disconnect` would leave one behind; asking bounds a vanished device's time online by
 * API Gateway's 10-minute idle timeout instead of the record's 2 hours, and removes the record.
 * Otherwise `lastSeen` is when their last connection ended, kept on their timeline head. Only
 * users `caller` may see (`visibleTo`) are looked up; anyone else gets UNREPORTED, whether they
 * exist or not.
 */
export async function presenceOf(liveness: LivenessDeps, caller: string, userIds: readonly string[], now: number): Promise<Record<string, PresenceInfo>> {
  const { storage } = liveness;
  const unique = [...new Set(userIds)];
  const visible = [...(await visibleTo(storage, caller, unique))];
  const [online, lastSeen] =
    visible.length > 0
      ? await Promise.all([connectionsOf(storage, visible, now).then((connections) => usersWithLiveConnections(liveness, connections)), lastSeenOf(storage, visible)])
      : [new Set<string>(), new Map<string, number>()];
  // fromEntries defines own properties, so a user named "__proto__" is just a key.
  return Object.fromEntries(
    unique.map((userId): [string, PresenceInfo] => {
      if (!visible.includes(userId)) return [userId, UNREPORTED];
      return [userId, online.has(userId) ? { online: true, lastSeen: now } : { online: false, lastSeen: lastSeen.get(userId) ?? null }];
    }),
  );
}
