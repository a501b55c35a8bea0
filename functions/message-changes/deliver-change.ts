import { type ConversationRef, type MessageChangeResult } from '@serverless-im/protocol';
import { enqueueJobs } from '../fan-out/job-queue.js';
import { notifyEnvelope, partitionedJobs, type UpdateJob } from '../fan-out/jobs.js';
import { deliveredSeqOf } from '../storage/claims.js';
import { connectionsOf } from '../storage/connections.js';
import { fromMessageRecord, type GroupHead, type MessageRecord, recordRecalledOnHead, versionOf } from '../storage/conversations/index.js';
import { formerMembersSince } from '../storage/former-members.js';
import { currentMembers } from '../storage/group-roster.js';
import { updateItemKey, updateRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';
import { removeCopy } from '../timeline/remove-copy.js';
import type { ChangeDeps } from './change-message.js';

/**
 * How long before a message was sent a member may have left and still received it: the fan-out
 * reads the member list from an eventually consistent index, which lags a removal by moments.
 */
const FAN_OUT_MEMBERS_LAG_MS = 60_000;

export interface DeliveryInput {
  conversation: ConversationRef;
  group: GroupHead | undefined;
  actor: { userId: string; connectionId: string };
  /** The message before this change (its body included, for onRecalled). */
  before: MessageRecord;
  /** The message as stored now. */
  after: MessageRecord;
  /** True when nothing was changed now: a retry finishing the delivery of the current version. */
  finishing: boolean;
}

/**
 * The member's `update` item for this version, exactly once. A retry looks for the claim first,
 * so finishing an already delivered change costs reads, not a closed seq per member.
 */
async function appendUpdate(deps: ChangeDeps, userId: string, after: MessageRecord, finishing: boolean): Promise<number> {
  const now = deps.clock();
  const message = fromMessageRecord(after);
  const content = updateRecord(userId, message, versionOf(after), now);
  const claimed = finishing ? await deliveredSeqOf(deps.storage, userId, updateItemKey(after.msgId, versionOf(after))) : undefined;
  return appendOnce(deps.storage, content, now, claimed === undefined ? { kind: 'claim' } : { kind: 'recorded', seq: claimed, recovering: true });
}

/** The seq where the send recorded a member's copy (direct members, a group's sender); others' copies are found by their delivery claims. */
function recordedCopySeq(message: MessageRecord, userId: string): number | undefined {
  if (userId === message.from) return message.senderSeq;
  return message.fanOut === undefined ? message.recipientSeq : undefined;
}

/**
 * Delivers a message's current state as a change: for a recall, first what must go (the head's
 * unread bookkeeping, what onRecalled removes, every timeline copy), then an `update` item per
 * member (direct conversations and write-fan-out groups) or a `groupUpdate` push (large groups).
 */
export async function deliverChange(deps: ChangeDeps, input: DeliveryInput): Promise<MessageChangeResult> {
  const { storage } = deps;
  const { after, conversation, actor } = input;
  const message = fromMessageRecord(after);
  const version = versionOf(after);
  // Never changed: nothing to deliver (an edit to the body it already has).
  if (version === 1) return { message, seq: null };
  const recalled = after.recalled === true;
  const now = deps.clock();
  if (recalled) {
    await recordRecalledOnHead(storage, conversation.id, after.cseq);
    await deps.onRecalled(input.before);
  }

  if (conversation.kind === 'direct') {
    const seqs = await Promise.all(
      conversation.members.map(async (userId) => {
        if (recalled) await removeCopy(storage, userId, message, now, recordedCopySeq(after, userId));
        return appendUpdate(deps, userId, after, input.finishing);
      }),
    );
    await deps.checkpoint('change:timelines-written');
    const connections = await connectionsOf(storage, conversation.members, now);
    await Promise.all(
      conversation.members.map((userId, index) =>
        deps.pusher.pushToConnections(
          connections.filter((c) => c.userId === userId && c.connectionId !== actor.connectionId),
          { event: 'message', data: { seq: seqs[index]!, type: 'update', message } },
        ),
      ),
    );
    return { message, seq: seqs[conversation.members.indexOf(actor.userId)]! };
  }

  const group = input.group!;
  // The sender's own copy was written at the seq recorded on the message, without a claim.
  if (recalled && after.fanOut === 'write' && after.from !== actor.userId) await removeCopy(storage, after.from, message, now, after.senderSeq);
  const members = await currentMembers(storage, group);
  const others = members.filter((userId) => userId !== actor.userId);
  const base = { kind: 'update' as const, conversationId: conversation.id, message, version };
  const dedup = `${after.msgId}#v${version}`;
  // Members who left since the message was sent keep their copy until the recall removes it too
  // (no update item: they are not told of the group any more).
  const formerJobs =
    recalled && after.fanOut === 'write'
      ? partitionedJobs<UpdateJob>(
          { ...base, writeItems: false, removeCopies: true },
          (await formerMembersSince(storage, conversation.id, after.ts - FAN_OUT_MEMBERS_LAG_MS)).filter((userId) => !members.includes(userId)),
          `${dedup}#former`,
        )
      : [];
  if (!group.large) {
    if (recalled && after.from === actor.userId) await removeCopy(storage, actor.userId, message, now, after.senderSeq);
    const seq = await appendUpdate(deps, actor.userId, after, input.finishing);
    await deps.checkpoint('change:timelines-written');
    // A recall by someone else than the sender removes the actor's own copy in the queue, behind its delivery.
    const recipients = recalled && after.from !== actor.userId ? members : others;
    await enqueueJobs(deps.queue(), [...partitionedJobs<UpdateJob>({ ...base, writeItems: true, removeCopies: recalled, actor: actor.userId }, recipients, dedup), ...formerJobs]);
    await deps.checkpoint('change:enqueued');
    await deps.pusher.pushToUsers([actor.userId], { event: 'message', data: { seq, type: 'update', message } }, { exceptConnectionId: actor.connectionId });
    return { message, seq };
  }
  // Read fan-out: members learn of the change from the push and from the conversation's change
  // log (syncConversation). Copies exist only of messages from before the switch.
  const jobs = [notifyEnvelope({ kind: 'notify', conversationId: conversation.id, message, event: 'groupUpdate', version, exceptConnectionId: actor.connectionId })];
  if (recalled && after.fanOut === 'write') jobs.push(...partitionedJobs<UpdateJob>({ ...base, writeItems: false, removeCopies: true }, members, dedup), ...formerJobs);
  await enqueueJobs(deps.queue(), jobs);
  await deps.checkpoint('change:enqueued');
  return { message, seq: null };
}
