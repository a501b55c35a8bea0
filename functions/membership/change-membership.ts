import type { MembershipEvent } from '@serverless-im/protocol';
import { BadRequestError, ForbiddenError, TooLargeError } from '../errors/request-errors.js';
import { enqueueJobs, type JobQueue } from '../fan-out/job-queue.js';
import { goLargeEnvelope, partitionedJobs, type SystemJob } from '../fan-out/jobs.js';
import { newGroupId } from '../ids/new-ids.js';
import { listenWithLiveConnections, stopListeningWithLiveConnections } from '../listeners/large-group-listeners.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { createGroupHead, createGroupHeadOnce, type GroupHead, readGroupHead, switchToLarge } from '../storage/conversations/index.js';
import { getMembership, type GroupMembership, markMembershipsLarge, memberRoles, putGroupMemberships } from '../storage/memberships.js';
import { ConversationBusyError, UnexpectedStorageStateError } from '../storage/errors.js';
import { recordFormerMembers } from '../storage/former-members.js';
import { currentMembers, rosterItems } from '../storage/group-roster.js';
import { joinGroupExactly, leaveGroupExactly } from '../storage/group-membership-changes.js';
import type { Storage } from '../storage/storage.js';
import { systemRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';
import type { GroupSettings } from './group-settings.js';
import { notMember } from './require-member.js';
import { announce, type MembershipDeps, requireGroupMembership } from './group-changes.js';
import { handOverBeforeLeaving } from './group-roles.js';
import { isAdmin } from './roles.js';

export type { MembershipDeps };
import { membersField, systemEvent } from './system-events.js';

const groupFull = (settings: GroupSettings): TooLargeError =>
  new TooLargeError(`a group has at most ${settings.maxGroupMembers} members`, { reason: 'groupFull' });

function checkRequestSize(deps: MembershipDeps, members: readonly string[]): void {
  if (members.length > deps.settings.maxMembersPerRequest) {
    throw new TooLargeError(`members: at most ${deps.settings.maxMembersPerRequest} user ids per request`, { reason: 'tooManyMembers' });
  }
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
  await enqueueJobs(deps.queue, [goLargeEnvelope({ kind: 'goLarge', conversationId: head.conversationId, ...(switched.roster ? { roster: true as const } : {}) })]);
  const everyone = await currentMembers(deps.storage, switched);
  const base = systemEvent(head.conversationId, deps.clock(), 'groupBecameLarge', { largeSince: switched.largeSince ?? switched.lastCseq });
  await announce(deps, base, everyone, head.owner);
  return switched;
}

/**
 * `fixed`: the id and creation time a group request claim fixed (server API `POST /v1/groups`
 * with `clientRequestId`). Then every write is a repeat-safe one: a head this request already
 * created is taken as is, the rows are the same puts, the `groupCreated` event has a fixed id (its
 * delivery claims write each member's item once), so a retry after a crash completes the same group.
 */
export async function createGroup(
  deps: MembershipDeps,
  creator: string,
  title: string,
  members: readonly string[],
  fixed?: { conversationId: string; now: number },
): Promise<{ conversationId: string }> {
  checkRequestSize(deps, members);
  const everyone = [creator, ...new Set(members.filter((member) => member !== creator))];
  if (everyone.length > deps.settings.maxGroupMembers) throw groupFull(deps.settings);
  const now = fixed?.now ?? deps.clock();
  const conversationId = fixed?.conversationId ?? newGroupId();
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
    roster: true,
  };
  if (!fixed) await createGroupHead(deps.storage, head);
  else if (!(await createGroupHeadOnce(deps.storage, head))) throw new UnexpectedStorageStateError(`group ${conversationId} exists and is not this request's`);
  await putGroupMemberships(
    deps.storage,
    everyone.map((userId) => membershipRow(userId, conversationId, userId === creator ? 'owner' : 'member', now, head)),
    rosterItems(conversationId, everyone),
  );
  const created = systemEvent(conversationId, now, 'groupCreated', { by: creator, title, ...membersField(everyone) });
  await announce(deps, fixed ? { ...created, eventId: `${conversationId}:groupCreated:${now}:request` } : created, everyone, creator);
  if (large) await listenWithLiveConnections(deps.storage, conversationId, everyone, deps.clock());
  return { conversationId };
}

export async function addMembers(deps: MembershipDeps, caller: string, conversationId: string, members: readonly string[]): Promise<{ members: string[]; memberCount: number }> {
  checkRequestSize(deps, members);
  const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
  if (head.onlyAdminsAdd && !isAdmin(membership.role)) {
    throw new ForbiddenError('only the group owner and admins may add members to this group', { reason: 'onlyAdminsAdd' });
  }
  const now = deps.clock();
  const candidates = [...new Set(members)].map((userId) => membershipRow(userId, conversationId, 'member', now, head));
  const outcome = await joinGroupExactly(deps.storage, conversationId, candidates, deps.settings.maxGroupMembers);
  if ('full' in outcome && outcome.joined.length === 0) throw groupFull(deps.settings);
  // Only the users this call added: a concurrent add of the same user is the other call's change.
  const added = outcome.joined;
  let current = head;
  if (added.length > 0) {
    const counted = (await readGroupHead(deps.storage, conversationId, true)) ?? head;
    current = await switchIfOutgrown(deps, counted);
    const base = systemEvent(conversationId, now, 'membersAdded', { by: caller, ...membersField(added) });
    if (current.large) {
      // The rows were written from the head read before the join: if the group switched since,
      // the switch's job may have listed the members before these rows existed. Mark them, so the
      // users' next `$connect` listens too, before looking for their open connections.
      if (!head.large) await markMembershipsLarge(deps.storage, conversationId, added);
      // Read fan-out: only the members the change is about hear of it in their timeline.
      await announce(deps, base, [caller, ...added], caller);
      await listenWithLiveConnections(deps.storage, conversationId, added, deps.clock());
    } else {
      await announce(deps, base, [...(await currentMembers(deps.storage, current)), ...added], caller);
    }
  }
  return { members: current.large ? added : await memberIds(deps, current, added, []), memberCount: current.memberCount };
}

/** The member list after a change; a group without a roster reads a lagging index, so the change itself is applied on top. */
async function memberIds(deps: MembershipDeps, head: GroupHead, added: readonly string[], removed: readonly string[]): Promise<string[]> {
  const listed = new Set(await currentMembers(deps.storage, head));
  for (const userId of added) listed.add(userId);
  for (const userId of removed) listed.delete(userId);
  return [...listed].sort();
}

/** Removes those of `candidates` who are members, and tells of exactly the ones this call removed. */
async function dropMembers(
  deps: MembershipDeps,
  head: GroupHead,
  caller: string,
  candidates: readonly string[],
  event: MembershipEvent,
  onlyMembers = false,
): Promise<{ head: GroupHead; removed: string[] }> {
  const conversationId = head.conversationId;
  // Before the rows go: a crash in between leaves a record of someone still in (harmless), never a
  // former member nobody knows of, whose copies a recall would then miss.
  await recordFormerMembers(deps.storage, conversationId, candidates, deps.clock());
  const { left: removed } = await leaveGroupExactly(deps.storage, conversationId, candidates, onlyMembers);
  if (removed.length === 0) return { head, removed };
  const counted = (await readGroupHead(deps.storage, conversationId, true)) ?? head;
  const base = systemEvent(conversationId, deps.clock(), event, { by: caller, ...membersField(removed) });
  if (counted.large) {
    await announce(deps, base, [caller, ...removed], caller);
    await stopListeningWithLiveConnections(deps.storage, conversationId, removed, deps.clock());
  } else {
    const remaining = (await currentMembers(deps.storage, counted)).filter((userId) => !removed.includes(userId));
    await announce(deps, base, [...remaining, ...removed], caller);
  }
  return { head: counted, removed };
}

export async function removeMembers(deps: MembershipDeps, caller: string, conversationId: string, members: readonly string[]): Promise<{ members: string[]; memberCount: number }> {
  checkRequestSize(deps, members);
  const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
  const owner = head.owner === caller && membership.role === 'owner';
  if (!owner && membership.role !== 'admin') throw new ForbiddenError('only the group owner and admins may remove members', { reason: 'notOwner' });
  if (members.includes(caller)) throw new BadRequestError('members: the caller leaves with leaveGroup', { reason: 'invalidField' });
  if (!owner) {
    // An admin removes plain members only (the transaction re-checks it, for a member promoted meanwhile).
    const roles = await memberRoles(deps.storage, conversationId, members);
    if ([...roles.values()].some((role) => role !== 'member')) throw new ForbiddenError('only the group owner may remove the owner or an admin', { reason: 'notOwner' });
  }
  const { head: current, removed } = await dropMembers(deps, head, caller, members, 'membersRemoved', !owner);
  return { members: current.large ? removed : await memberIds(deps, current, [], removed), memberCount: current.memberCount };
}

/** Rounds of hand-over and leave: each lost race (the caller made owner meanwhile) costs one. */
const LEAVE_ROUNDS = 5;

export async function leaveGroup(deps: MembershipDeps, caller: string, conversationId: string): Promise<Record<string, never>> {
  for (let round = 0; round < LEAVE_ROUNDS; round++) {
    // A caller who left concurrently gets notMember here on the next round.
    const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
    // The group keeps an owner: the next member in user id order, before the owner's row goes.
    if (head.owner === caller || membership.role === 'owner') await handOverBeforeLeaving(deps, caller, head);
    const { removed } = await dropMembers(deps, head, caller, [caller], 'memberLeft');
    if (removed.length > 0) return {};
  }
  throw new ConversationBusyError(conversationId);
}
