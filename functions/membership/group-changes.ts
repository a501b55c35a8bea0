/** What group changes share: their dependencies, the membership check, and how a change is announced. */
import type { GroupMembership } from '../storage/memberships.js';
import { enqueueJobs, type JobQueue } from '../fan-out/job-queue.js';
import { partitionedJobs, type SystemJob } from '../fan-out/jobs.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { type GroupHead, readGroupHead } from '../storage/conversations/index.js';
import { getMembership } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { systemRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';
import type { GroupSettings } from './group-settings.js';
import { notMember } from './require-member.js';

export interface MembershipDeps {
  storage: Storage;
  queue: JobQueue;
  pusher: Pusher;
  settings: GroupSettings;
  clock: () => number;
  /** Step boundaries for fault injection in the local cloud (nothing in AWS). */
  checkpoint?: Checkpoint;
}

/**
 * Tells `recipients` of a change through their timelines. The actor's own item is written here,
 * before the reply, so nothing the actor does next can land in their timeline ahead of it; the
 * others' go through the fan-out queue. The actor's item is marked as the change's origin: the
 * one record the `group.changed` event is published from (docs/events.md).
 */
export async function announce(deps: MembershipDeps, base: Omit<SystemJob, 'recipients'>, recipients: Iterable<string>, actor: string): Promise<void> {
  const others = [...new Set(recipients)].filter((userId) => userId !== actor);
  const seq = await appendOnce(deps.storage, systemRecord(actor, base.eventId, base.ts, base.system, true), deps.clock(), { kind: 'claim' });
  await deps.pusher.pushToUsers([actor], { event: 'message', data: { seq, type: 'system', system: base.system } });
  await enqueueJobs(deps.queue, partitionedJobs<SystemJob>(base, others, base.eventId));
}

/** The caller's row (strongly consistent: roles decide what the caller may do) and the group head. */
export async function requireGroupMembership(deps: MembershipDeps, userId: string, conversationId: string): Promise<{ membership: GroupMembership; head: GroupHead }> {
  const membership = (await getMembership(deps.storage, userId, conversationId, true)) as GroupMembership | undefined;
  if (!membership || membership.kind !== 'group') throw notMember();
  const head = await readGroupHead(deps.storage, conversationId, true);
  if (!head) throw notMember();
  return { membership, head };
}

