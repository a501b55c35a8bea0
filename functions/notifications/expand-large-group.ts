import { existingMembers, groupMembersPage } from '../storage/memberships.js';
import { enqueueNotifications } from './job-queue.js';
import { largeGroupJobEnvelope, type LargeGroupNotificationJob, type LargeGroupPagedJob, type NotificationEnvelope, userJobEnvelope } from './jobs.js';
import type { NotifyDeps } from './notify-user.js';

/** Members whose notifications one large-group job enqueues (setting `all`); the rest go to a continuation. */
export const MEMBERS_PER_PAGE = 200;

/**
 * A large-group message (read fan-out) notifies its mentioned members who are in the group, so a
 * message to 100,000 members publishes as many notifications as it has mentions; with the setting
 * `all`, every member, a page of members per job. Either way each member gets a job of their own
 * (their devices, mute and badge are theirs) on their own message group.
 */
export async function expandLargeGroup(deps: Pick<NotifyDeps, 'storage' | 'queue' | 'largeGroups'>, job: LargeGroupNotificationJob): Promise<number> {
  const { members } = await membersOfPage(deps, job, largeGroupJobEnvelope, async (mentions) =>
    mentions.length > 0 ? [...(await existingMembers(deps.storage, job.conversationId, mentions))] : [],
  );
  const envelopes = members
    .filter((userId) => userId !== job.from)
    .map((userId) =>
      userJobEnvelope({ kind: 'user', userId, conversationId: job.conversationId, conversationSeq: job.conversationSeq, msgId: job.msgId, seq: null }),
    );
  await enqueueNotifications(deps.queue, envelopes);
  return envelopes.length;
}

/**
 * The members one page of a large-group job reaches: with the setting `all`, the next page of
 * members (queueing the job of the page after it first, so a crash cannot lose the rest); otherwise
 * `fromMentions` of the job's mentions, in one go. `last` says no page follows.
 */
export async function membersOfPage<Job extends LargeGroupPagedJob>(
  deps: Pick<NotifyDeps, 'storage' | 'queue' | 'largeGroups'>,
  job: Job,
  envelopeOf: (job: Job) => NotificationEnvelope,
  fromMentions: (mentions: string[]) => Promise<string[]>,
): Promise<{ members: string[]; last: boolean }> {
  if (deps.largeGroups !== 'all') return { members: await fromMentions(job.mentions), last: true };
  const page = await groupMembersPage(deps.storage, job.conversationId, job.cursor, MEMBERS_PER_PAGE);
  if (page.cursor) await enqueueNotifications(deps.queue, [envelopeOf({ ...job, cursor: page.cursor, page: (job.page ?? 0) + 1 })]);
  return { members: page.members.map((member) => member.userId), last: !page.cursor };
}
