import { clearWithdrawPending } from '../storage/conversations/index.js';
import { membersOfPage } from './expand-large-group.js';
import { enqueueNotifications } from './job-queue.js';
import { largeGroupWithdrawJobEnvelope, type LargeGroupWithdrawJob, withdrawJobEnvelope } from './jobs.js';
import type { NotifyDeps } from './notify-user.js';

/**
 * A recalled large-group message: a withdraw job for each member its notification may have
 * reached, on that member's own message group (behind their notification job of it, if still
 * queued). By default those are the mentioned users, members or not any more (a member who left
 * still has the notification on their phone); with the setting `all`, every member, a page at a
 * time as the message's own notification went out. A withdraw job replaces only what a device
 * showed (its push claim), so a user who was never notified costs a claim read. The last page
 * removes the recall's note from the stored message; a crash before that reruns the job, and the
 * queue's deduplication ids and the push claims make the rerun change nothing.
 */
export async function withdrawLargeGroup(deps: Pick<NotifyDeps, 'storage' | 'queue' | 'largeGroups'>, job: LargeGroupWithdrawJob): Promise<number> {
  const { members, last } = await membersOfPage(deps, job, largeGroupWithdrawJobEnvelope, async (mentions) => [...new Set(mentions)]);
  const envelopes = members
    .filter((userId) => userId !== job.from)
    .map((userId) => withdrawJobEnvelope({ kind: 'withdraw', userId, conversationId: job.conversationId, conversationSeq: job.conversationSeq, msgId: job.msgId }));
  await enqueueNotifications(deps.queue, envelopes);
  if (last) await clearWithdrawPending(deps.storage, job.conversationId, job.conversationSeq);
  return envelopes.length;
}
