import { type MembersChangedResult, parseConversationId } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { addMembers, leaveGroup, type MembershipDeps, removeMembers } from '../membership/change-membership.js';
import { type GroupHead, readGroupHead } from '../storage/conversations/index.js';
import { currentMembers } from '../storage/group-roster.js';
import { getMembership } from '../storage/memberships.js';

/**
 * Group changes by the company's backend. The backend is no member, so it acts as the group's
 * owner: every rule, event and write is the owner's `addMembers` / `removeMembers` /
 * `leaveGroup` (change-membership.ts), and members see the owner as `by`. Costs one head read
 * more than the WebSocket action.
 */

const noSuchGroup = (): NotFoundError => new NotFoundError('no such group');

async function ownedGroup(deps: MembershipDeps, conversationId: string): Promise<GroupHead> {
  if (parseConversationId(conversationId)?.kind !== 'group') throw noSuchGroup();
  const head = await readGroupHead(deps.storage, conversationId, true);
  if (!head) throw noSuchGroup();
  // A group everyone left keeps its last owner on the head but has nobody to act for it.
  if (!(await getMembership(deps.storage, head.owner, conversationId))) throw new NotFoundError('the group has no members left');
  return head;
}

export async function addMembersAsOwner(deps: MembershipDeps, conversationId: string, members: readonly string[]): Promise<MembersChangedResult> {
  const head = await ownedGroup(deps, conversationId);
  return addMembers(deps, head.owner, conversationId, members);
}

/**
 * Removes one member; the owner's removal is the owner leaving (ownership passes on, as with
 * `leaveGroup`), answered in the `removeMembers` reply's shape.
 */
export async function removeMemberAsOwner(deps: MembershipDeps, conversationId: string, userId: string): Promise<MembersChangedResult> {
  const head = await ownedGroup(deps, conversationId);
  if (userId !== head.owner) return removeMembers(deps, head.owner, conversationId, [userId]);
  await leaveGroup(deps, userId, conversationId);
  const after = (await readGroupHead(deps.storage, conversationId, true)) ?? head;
  const members = after.large ? [userId] : (await currentMembers(deps.storage, after)).filter((member) => member !== userId).sort();
  return { members, memberCount: after.memberCount };
}
