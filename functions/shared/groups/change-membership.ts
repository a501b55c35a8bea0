import { randomBytes } from 'node:crypto';
import { forbidden, ProtocolError } from '../protocol/errors.js';
import { connectionsOf } from '../push/connection-directory.js';
import type { Pusher } from '../push/pusher.js';
import type { Storage } from '../storage/tables.js';
import { newGroupId } from '../messaging/ids.js';
import { getMembership } from '../messaging/membership-store.js';
import { enqueueJobs, goLargeEnvelope, type JobQueue, partitionedJobs, type SystemJob } from './fan-out-jobs.js';
import { addListeners, LISTENER_TTL_SECONDS, removeListener } from './group-listeners.js';
import { changeMemberCount, createGroupHead, type GroupHead, readGroupHead, switchToLarge, transferOwnership } from './group-head.js';
import { allGroupMembers, deleteGroupMemberships, groupMembersPage, type GroupMembership, putGroupMemberships, setRole } from './group-members.js';
import type { GroupSettings } from './group-settings.js';
import { existingMembers } from './existing-members.js';
import { deliverOnce } from './deliver-once.js';
import { systemRecord } from '../timeline/timeline-records.js';

export interface MembershipDeps {
  storage: Storage;
  queue: JobQueue;
  pusher: Pusher;
  settings: GroupSettings;
  clock: () => number;
}

const tooLarge = (message: string): ProtocolError => new ProtocolError('TOO_LARGE', message);
const refused = (): ProtocolError => forbidden('not a member of this conversation');

/** A membership change as members' timelines record it (`system` items). */
type MembershipEvent = 'groupCreated' | 'membersAdded' | 'membersRemoved' | 'memberLeft' | 'groupBecameLarge';

/** At most this many user ids are listed inside a system item; bigger changes give a count. */
const LISTED_IN_EVENT = 100;

function systemJobBase(conversationId: string, ts: number, event: MembershipEvent, details: Record<string, unknown>): Omit<SystemJob, 'recipients'> {
  return {
    kind: 'system',
    conversationId,
    eventId: `${conversationId}:${event}:${ts}:${randomBytes(4).toString('hex')}`,
    ts,
    system: { event, conversationId, ...details },
  };
}

/**
 * Tells `recipients` of a change through their timelines. The actor's own item is written here,
 * before the reply, so nothing the actor does next can land in their timeline ahead of it; the
 * others' go through the fan-out queue.
 */
async function announce(deps: MembershipDeps, base: Omit<SystemJob, 'recipients'>, recipients: Iterable<string>, actor: string): Promise<void> {
  const others = [...new Set(recipients)].filter((userId) => userId !== actor);
  const seq = await deliverOnce(deps.storage, systemRecord(actor, base.eventId, base.ts, base.system), deps.clock());
  await deps.pusher.pushToUsers([actor], { event: 'message', data: { seq, type: 'system', system: base.system } });
  await enqueueJobs(deps.queue, partitionedJobs<SystemJob>(base, others, base.eventId));
}

const membersField = (members: readonly string[]): Record<string, unknown> =>
  members.length <= LISTED_IN_EVENT ? { members: [...members] } : { memberCount: members.length };

async function requireGroupMembership(deps: MembershipDeps, userId: string, conversationId: string): Promise<{ membership: GroupMembership; head: GroupHead }> {
  const membership = (await getMembership(deps.storage, userId, conversationId)) as GroupMembership | undefined;
  if (!membership || membership.kind !== 'group') throw refused();
  const head = await readGroupHead(deps.storage, conversationId, true);
  if (!head) throw refused();
  return { membership, head };
}

function checkRequestSize(deps: MembershipDeps, members: readonly string[]): void {
  if (members.length > deps.settings.maxMembersPerRequest) {
    throw tooLarge(`members: at most ${deps.settings.maxMembersPerRequest} user ids per request`);
  }
}

/** Subscribes the live connections of `userIds` to a large group's read fan-out. */
async function listenWithLiveConnections(deps: MembershipDeps, conversationId: string, userIds: readonly string[]): Promise<void> {
  const now = deps.clock();
  const connections = await connectionsOf(deps.storage, userIds, now);
  await addListeners(
    deps.storage,
    connections.map((c) => ({ conversationId, connectionId: c.connectionId, userId: c.userId, expiresAt: Math.floor(now / 1000) + LISTENER_TTL_SECONDS })),
  );
}

function membershipRow(userId: string, conversationId: string, role: GroupMembership['role'], now: number, head: Pick<GroupHead, 'lastCseq' | 'large'>): GroupMembership {
  return {
    userId,
    conversationId,
    groupId: conversationId,
    kind: 'group',
    role,
    joinedAt: now,
    // Messages from before joining do not count as unread.
    readUpTo: head.lastCseq,
    ownLast: 0,
    ...(head.large ? { large: true } : {}),
  };
}

/** Switches to read fan-out once the group outgrows write fan-out, and tells everyone. */
async function switchIfOutgrown(deps: MembershipDeps, head: GroupHead): Promise<GroupHead> {
  if (head.large || head.memberCount <= deps.settings.largeGroupThreshold) return head;
  const switched = await switchToLarge(deps.storage, head.conversationId);
  if (!switched) return (await readGroupHead(deps.storage, head.conversationId, true)) ?? head;
  await enqueueJobs(deps.queue, [goLargeEnvelope({ kind: 'goLarge', conversationId: head.conversationId })]);
  const everyone = (await allGroupMembers(deps.storage, head.conversationId)).map((member) => member.userId);
  const base = systemJobBase(head.conversationId, deps.clock(), 'groupBecameLarge', { largeSince: switched.largeSince ?? switched.lastCseq });
  await announce(deps, base, everyone, head.owner);
  return switched;
}

export async function createGroup(deps: MembershipDeps, creator: string, title: string, members: readonly string[]): Promise<{ conversationId: string }> {
  checkRequestSize(deps, members);
  const everyone = [creator, ...new Set(members.filter((member) => member !== creator))];
  if (everyone.length > deps.settings.maxGroupMembers) throw tooLarge(`a group has at most ${deps.settings.maxGroupMembers} members`);
  const now = deps.clock();
  const conversationId = newGroupId();
  const large = everyone.length > deps.settings.largeGroupThreshold;
  const head: GroupHead = {
    conversationId,
    kind: 'group',
    title,
    owner: creator,
    memberCount: everyone.length,
    large,
    ...(large ? { largeSince: 0 } : {}),
    lastCseq: 0,
    createdAt: now,
  };
  await createGroupHead(deps.storage, head);
  await putGroupMemberships(
    deps.storage,
    everyone.map((userId) => membershipRow(userId, conversationId, userId === creator ? 'owner' : 'member', now, head)),
  );
  await announce(deps, systemJobBase(conversationId, now, 'groupCreated', { by: creator, title, ...membersField(everyone) }), everyone, creator);
  if (large) await listenWithLiveConnections(deps, conversationId, everyone);
  return { conversationId };
}

export async function addMembers(deps: MembershipDeps, caller: string, conversationId: string, members: readonly string[]): Promise<{ members: string[]; memberCount: number }> {
  checkRequestSize(deps, members);
  const { head } = await requireGroupMembership(deps, caller, conversationId);
  const already = await existingMembers(deps.storage, conversationId, members);
  const added = [...new Set(members)].filter((member) => !already.has(member));
  let current = head;
  if (added.length > 0) {
    const counted = await changeMemberCount(deps.storage, conversationId, added.length, deps.settings.maxGroupMembers);
    if (!counted) throw tooLarge(`a group has at most ${deps.settings.maxGroupMembers} members`);
    const now = deps.clock();
    await putGroupMemberships(deps.storage, added.map((userId) => membershipRow(userId, conversationId, 'member', now, counted)));
    current = await switchIfOutgrown(deps, counted);
    const base = systemJobBase(conversationId, now, 'membersAdded', { by: caller, ...membersField(added) });
    if (current.large) {
      // Read fan-out: only the members the change is about hear of it in their timeline.
      await announce(deps, base, [caller, ...added], caller);
      await listenWithLiveConnections(deps, conversationId, added);
    } else {
      const everyone = (await allGroupMembers(deps.storage, conversationId)).map((member) => member.userId);
      await announce(deps, base, [...everyone, ...added], caller);
    }
  }
  return { members: current.large ? added : await memberIds(deps, conversationId, added, []), memberCount: current.memberCount };
}

/** The member list after a change; the index may lag a moment, so the change itself is applied on top. */
async function memberIds(deps: MembershipDeps, conversationId: string, added: readonly string[], removed: readonly string[]): Promise<string[]> {
  const listed = new Set((await allGroupMembers(deps.storage, conversationId)).map((member) => member.userId));
  for (const userId of added) listed.add(userId);
  for (const userId of removed) listed.delete(userId);
  return [...listed].sort();
}

async function dropMembers(deps: MembershipDeps, head: GroupHead, caller: string, removed: readonly string[], event: MembershipEvent): Promise<GroupHead> {
  const conversationId = head.conversationId;
  await deleteGroupMemberships(deps.storage, conversationId, removed);
  const counted = (await changeMemberCount(deps.storage, conversationId, -removed.length, deps.settings.maxGroupMembers)) ?? head;
  const base = systemJobBase(conversationId, deps.clock(), event, { by: caller, ...membersField(removed) });
  if (counted.large) {
    await announce(deps, base, [caller, ...removed], caller);
    const connections = await connectionsOf(deps.storage, removed, deps.clock());
    await Promise.all(connections.map((connection) => removeListener(deps.storage, conversationId, connection.connectionId)));
  } else {
    const remaining = (await allGroupMembers(deps.storage, conversationId)).map((member) => member.userId).filter((userId) => !removed.includes(userId));
    await announce(deps, base, [...remaining, ...removed], caller);
  }
  return counted;
}

export async function removeMembers(deps: MembershipDeps, caller: string, conversationId: string, members: readonly string[]): Promise<{ members: string[]; memberCount: number }> {
  checkRequestSize(deps, members);
  const { head } = await requireGroupMembership(deps, caller, conversationId);
  if (head.owner !== caller) throw forbidden('only the group owner may remove members');
  if (members.includes(caller)) throw new ProtocolError('BAD_REQUEST', 'members: the owner leaves with leaveGroup');
  const present = await existingMembers(deps.storage, conversationId, members);
  const removed = [...present];
  let current = head;
  if (removed.length > 0) current = await dropMembers(deps, head, caller, removed, 'membersRemoved');
  return { members: current.large ? removed : await memberIds(deps, conversationId, [], removed), memberCount: current.memberCount };
}

export async function leaveGroup(deps: MembershipDeps, caller: string, conversationId: string): Promise<Record<string, never>> {
  const { head } = await requireGroupMembership(deps, caller, conversationId);
  await dropMembers(deps, head, caller, [caller], 'memberLeft');
  if (head.owner === caller) {
    // The group keeps an owner: the next member in user id order.
    const { members } = await groupMembersPage(deps.storage, conversationId, undefined, 2);
    const next = members.find((member) => member.userId !== caller);
    if (next) {
      await transferOwnership(deps.storage, conversationId, caller, next.userId);
      await setRole(deps.storage, next.userId, conversationId, 'owner');
    }
  }
  return {};
}
