import type { Body, Message } from '@serverless-im/protocol';
import { enqueueJobs, type JobQueue } from '../fan-out/job-queue.js';
import { type MessageJob, notifyEnvelope, partitionedJobs } from '../fan-out/jobs.js';
import { countSend } from '../limits/send-window.js';
import { storedBodyIfReplaced } from '../moderation/moderate.js';
import type { Pusher } from '../push/pusher.js';
import { appendMessage, fromMessageRecord, type GroupHead, type MessageRecord, recordGroupMessage } from '../storage/conversations/index.js';
import { currentMembers } from '../storage/group-roster.js';
import { recordOwnMessage } from '../storage/memberships.js';
import { appendRecordedMessage, type Delivery, type MessageReferences, type SendDeps, sendMessage, type SendReply } from './send-message.js';

export interface SendGroupDeps extends SendDeps {
  pusher: Pusher;
  queue: JobQueue;
}

export interface SendGroupInput {
  sender: { userId: string; connectionId: string };
  clientMsgId: string;
  head: GroupHead;
  body: Body;
  references: MessageReferences;
}

/**
 * `send` to a group. The handler stores the message once, in the conversation (the commit point),
 * and, for write fan-out, the sender's own timeline item; it replies as soon as that is durable.
 * Delivery to the other members happens in the fan-out workers: one job per recipient partition
 * for write fan-out, one notification job for a large group (read fan-out), whose members catch
 * up with `syncConversation`.
 */
export function sendGroupMessage(deps: SendGroupDeps, input: SendGroupInput): Promise<SendReply> {
  const { storage } = deps;
  const sender = input.sender.userId;
  const conversationId = input.head.conversationId;

  const deliver: Delivery = async (claim, stored, _firstAttempt, body = input.body) => {
    const now = deps.clock();
    let record = stored;
    if (!record) {
      const fanOut = input.head.large ? 'read' : 'write';
      // Counts the send against the per-user limit, allocating the sender's seq when there is one.
      const senderSeq = await countSend(storage, sender, now, fanOut === 'write');
      await deps.checkpoint('send:seqs-allocated');
      record = await appendMessage(storage, {
        conversationId,
        msgId: claim.msgId,
        from: sender,
        body,
        ...input.references,
        ts: claim.ts,
        clientMsgId: input.clientMsgId,
        fanOut,
        ...(senderSeq !== undefined ? { senderSeq } : {}),
      });
      await deps.checkpoint('send:message-stored');
    }
    const { senderSeq, message } = await finishGroupDelivery(deps, input.head, record, { recovering: stored !== undefined, exceptConnectionId: input.sender.connectionId });
    return { msgId: message.msgId, conversationId, conversationSeq: message.conversationSeq, seq: senderSeq, ts: message.ts, ...storedBodyIfReplaced(message.body, input.body) };
  };

  // The head's newest cseq (read by the membership check) is below wherever the message will be stored.
  return sendMessage(deps, { sender, clientMsgId: input.clientMsgId, conversationId, body: input.body, afterCseq: input.head.lastCseq }, deliver);
}

/**
 * Everything after a group message's commit point: the sender's timeline item (write fan-out), the
 * sender's and the group's positions, and the fan-out jobs (their FIFO deduplication ids derive
 * from the message id, so a second enqueue within SQS's 5-minute window is dropped, and a later
 * one is absorbed by the workers' delivery claims). Idempotent: `send`, a retry of it and the
 * delivery repair (delivery-repair/repair-delivery.ts) may all run it for the same message.
 */
export async function finishGroupDelivery(
  deps: SendGroupDeps,
  head: GroupHead,
  record: MessageRecord,
  options: { recovering: boolean; exceptConnectionId?: string },
): Promise<{ senderSeq: number | null; message: Message }> {
  const { storage } = deps;
  const sender = record.from;
  const conversationId = record.conversationId;
  const now = deps.clock();
  const message = fromMessageRecord(record);
  const [senderSeq] = await Promise.all([
    record.fanOut === 'write' ? appendRecordedMessage(storage, sender, message, record.senderSeq!, now, options.recovering) : Promise.resolve(null),
    recordOwnMessage(storage, sender, conversationId, record.cseq),
    recordGroupMessage(storage, conversationId, record.cseq),
  ]);
  await deps.checkpoint('send:timelines-written');

  const except = options.exceptConnectionId === undefined ? {} : { exceptConnectionId: options.exceptConnectionId };
  await enqueueGroupDelivery(deps, head, message, senderSeq !== null, except);
  if (senderSeq !== null) {
    await deps.pusher.pushToUsers([sender], { event: 'message', data: { seq: senderSeq, type: 'message', message } }, except);
  }
  return { senderSeq, message };
}

/**
 * Queues a stored group message's delivery: write fan-out jobs to the members listed now (read
 * after the message is stored: whoever was a member when it was committed is listed), or a large
 * group's notification job. Deduplication ids derive from the message, so queueing twice is safe.
 */
export async function enqueueGroupDelivery(
  deps: Pick<SendGroupDeps, 'storage' | 'queue' | 'checkpoint'>,
  head: GroupHead,
  message: Message,
  writeFanOut: boolean,
  except: { exceptConnectionId?: string },
): Promise<void> {
  const { conversationId } = message;
  if (writeFanOut) {
    const recipients = (await currentMembers(deps.storage, head)).filter((userId) => userId !== message.from);
    const base: Omit<MessageJob, 'recipients'> = { kind: 'message', conversationId, message };
    await enqueueJobs(deps.queue, partitionedJobs<MessageJob>(base, recipients, message.msgId));
  } else {
    await enqueueJobs(deps.queue, [notifyEnvelope({ kind: 'notify', conversationId, message, ...except })]);
  }
  await deps.checkpoint('send:enqueued');
}
