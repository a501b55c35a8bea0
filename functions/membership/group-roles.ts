import type { AssignableRole, SetRoleResult, SystemEvent, TransferOwnershipResult, UpdateGroupResult } from '@serverless-im/protocol';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors/request-errors.js';
import { ConversationBusyError } from '../storage/errors.js';
import { type GroupHead, type PendingEvent, storedPendingEvent } from '../storage/conversations/index.js';
import { currentMembers } from '../storage/group-roster.js';
import { changeRoleExactly, changeSettingsExactly, type GroupSettingsValues, handOverExactly } from '../storage/group-roles.js';
import { getMembership, type GroupMembership, setRole as demoteOwnRowTo } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { announce, type MembershipDeps, requireGroupMembership } from './group-changes.js';
import { isAdmin } from './roles.js';
import { systemEvent } from './system-events.js';


const notOwner = (what: string) => new ForbiddenError(`only the group owner may ${what}`, { reason: 'notOwner' });
const notGroupMember = () => new NotFoundError('userId: not a member of this group', { reason: 'notGroupMember' });

/** Concurrent changes make a call read again; far more rounds than contention ever needs. */
const MAX_ROUNDS = 10;

const pending = (base: ReturnType<typeof systemEvent>): PendingEvent => ({ eventId: base.eventId, ts: base.ts, system: base.system });

/**
 * Tells the members of a role or settings change. Write fan-out: every member. A large group
 * (read fan-out) hears of it only in the timelines of the members it is about (the actor, the
 * member whose role changed), as with membership changes: listing every member of a group of up to
 * `maxGroupMembers` inside one request is not bounded. Its other members read the settings and
 * their own role from `conversations`, which the large-group protocol has them call after every
 * (re)connect; the server enforces the settings whatever a client shows.
 */
async function announceChange(deps: MembershipDeps, head: GroupHead, event: PendingEvent): Promise<void> {
  const system = event.system;
  const by = system.by!;
  const concerned = [by, ...(system.members ?? [])];
  const recipients = head.large ? concerned : [...(await currentMembers(deps.storage, head)), ...concerned];
  await announce(deps, { kind: 'system', conversationId: head.conversationId, eventId: event.eventId, ts: event.ts, system }, recipients, by);
}

export async function setRole(deps: MembershipDeps, caller: string, conversationId: string, userId: string, role: AssignableRole): Promise<SetRoleResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
    if (head.owner !== caller || membership.role !== 'owner') throw notOwner('change roles');
    if (userId === caller) throw new BadRequestError('userId: the owner hands the group over with transferOwnership', { reason: 'invalidField' });
    const target = (await getMembership(deps.storage, userId, conversationId, true)) as GroupMembership | undefined;
    if (!target || target.kind !== 'group') throw notGroupMember();
    if (target.role === role) {
      // Already so: a retry of the call that made the change (or its twin running at once)
      // finishes announcing it; anything else changed nothing and says so.
      const made = storedPendingEvent(target.roleEvent);
      if (made && made.system.by === caller && made.system.role === role) await announceChange(deps, head, made);
      return { userId, role, changed: false };
    }
    const event = pending(systemEvent(conversationId, deps.clock(), 'roleChanged', { by: caller, members: [userId], role }));
    const outcome = await changeRoleExactly(deps.storage, { conversationId, owner: caller, userId, role, event });
    if (outcome.applied) {
      await deps.checkpoint?.('roles:changed');
      await announceChange(deps, head, event);
      return { userId, role, changed: true };
    }
    // Someone changed the owner or the member meanwhile: decide again on what is there now.
  }
  throw new ConversationBusyError(conversationId);
}

export async function transferOwnership(deps: MembershipDeps, caller: string, conversationId: string, userId: string): Promise<TransferOwnershipResult> {
  const previousOwnerRole = 'admin' as const;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
    if (head.owner !== caller || membership.role !== 'owner') {
      // A retry of a transfer that was made finishes announcing it.
      const made = head.ownerEvent;
      if (made && head.owner === userId && made.system.by === caller) {
        await announceChange(deps, head, made);
        return { owner: userId, previousOwner: caller, previousOwnerRole: made.system.role ?? previousOwnerRole };
      }
      throw notOwner('transfer the group');
    }
    if (userId === caller) throw new BadRequestError('userId: the caller already owns the group', { reason: 'invalidField' });
    const event = pending(systemEvent(conversationId, deps.clock(), 'ownershipTransferred', { by: caller, members: [userId], role: previousOwnerRole }));
    const outcome = await handOverExactly(deps.storage, { conversationId, from: caller, to: userId, fromRole: previousOwnerRole, event });
    if (outcome.applied) {
      await deps.checkpoint?.('roles:transferred');
      await announceChange(deps, head, event);
      return { owner: userId, previousOwner: caller, previousOwnerRole };
    }
    if (outcome.refused.has('to') && !outcome.refused.has('head')) throw notGroupMember();
  }
  throw new ConversationBusyError(conversationId);
}

/**
 * Before the owner leaves: hands the group to the next member in user id order (who must still be
 * a member when the transaction runs; one who left meanwhile is passed over). Done before the
 * owner's row goes, so a crash in between leaves the old owner a plain member, never a group
 * without an owner; the owner's own row cannot be removed while it says owner.
 */
export async function handOverBeforeLeaving(deps: MembershipDeps, caller: string, head: GroupHead): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const members = (await currentMembers(deps.storage, head)).filter((userId) => userId !== caller).sort();
    const next = members[0];
    if (!next) {
      // The last member: nobody to hand over to; the row stops saying owner so it can go.
      await demoteOwnRow(deps.storage, caller, head.conversationId);
      return;
    }
    const event = pending(systemEvent(head.conversationId, deps.clock(), 'ownershipTransferred', { by: caller, members: [next], role: 'member' }));
    const outcome = await handOverExactly(deps.storage, { conversationId: head.conversationId, from: caller, to: next, fromRole: 'member', event });
    if (outcome.applied) {
      await deps.checkpoint?.('roles:handed-over');
      await announceChange(deps, head, event);
      return;
    }
    if (outcome.refused.has('head') || outcome.refused.has('from')) return;
  }
  throw new ConversationBusyError(head.conversationId);
}

const demoteOwnRow = (storage: Storage, userId: string, conversationId: string): Promise<void> => demoteOwnRowTo(storage, userId, conversationId, 'member');

const settingsOf = (head: GroupHead): GroupSettingsValues => ({ title: head.title, onlyAdminsSend: head.onlyAdminsSend === true, onlyAdminsAdd: head.onlyAdminsAdd === true });

export async function updateGroup(deps: MembershipDeps, caller: string, conversationId: string, requested: Partial<GroupSettingsValues>): Promise<UpdateGroupResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { membership, head } = await requireGroupMembership(deps, caller, conversationId);
    if (!isAdmin(membership.role)) throw new ForbiddenError('only the group owner or an admin may update the group', { reason: 'notAdmin' });
    const before = settingsOf(head);
    const changes: Partial<GroupSettingsValues> = {};
    for (const [field, value] of Object.entries(requested) as [keyof GroupSettingsValues, never][]) {
      if (value !== undefined && before[field] !== value) changes[field] = value;
    }
    if (Object.keys(changes).length === 0) {
      const made = head.settingsEvent;
      if (made && made.system.by === caller && madeTheseChanges(made.system, requested)) await announceChange(deps, head, made);
      return { ...before, changed: false };
    }
    const event = pending(systemEvent(conversationId, deps.clock(), 'groupUpdated', { by: caller, ...changes }));
    const outcome = await changeSettingsExactly(deps.storage, { conversationId, actor: caller, before, after: changes, event });
    if (outcome.applied) {
      await deps.checkpoint?.('roles:settings-changed');
      await announceChange(deps, head, event);
      return { ...before, ...changes, changed: true };
    }
  }
  throw new ConversationBusyError(conversationId);
}

/** Whether a stored settings item announces exactly what a request asks for (so the request is its retry). */
function madeTheseChanges(system: SystemEvent, requested: Partial<GroupSettingsValues>): boolean {
  const fields = ['title', 'onlyAdminsSend', 'onlyAdminsAdd'] as const;
  const announced = fields.filter((field) => system[field] !== undefined);
  return announced.length > 0 && announced.every((field) => requested[field] === system[field]);
}
