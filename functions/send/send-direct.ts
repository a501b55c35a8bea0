import type { Body, TimelineItem } from '@serverless-im/protocol';
import { countSend } from '../limits/send-window.js';
import type { Pusher } from '../push/pusher.js';
import { connectionsOf } from '../storage/connections.js';
import { ForbiddenError } from '../errors/request-errors.js';
import { appendMessage, type DirectConversation, fromMessageRecord, latestCseqUnlessBlocked, recordListed, recordSent } from '../storage/conversations/index.js';
import { putDirectMemberships } from '../storage/memberships.js';
import { allocateSeq } from '../storage/timelines/index.js';
import { appendRecordedMessage, type Delivery, type MessageReferences, type SendDeps, sendMessage, type SendReply } from './send-message.js';

/** The refusal of a direct send while either member blocks the other (which one is not said). */
export const blockedSend = (): ForbiddenError => new ForbiddenError('this conversation is blocked', { reason: 'blocked' });

export interface SendDirectDeps extends SendDeps {
  pusher: Pusher;
}

export interface SendDirectInput {
  sender: { userId: string; connectionId: string };
  clientMsgId: string;
  conversation: DirectConversation;
  recipient: string;
  body: Body;
  references: MessageReferences;
}

/**
 * `send` in a direct conversation, inline (one invocation). Writes, in order: both users' next
 * timeline seqs; the message at the conversation's next cseq (the commit point, recording those
 * seqs); both timeline items and the sender's `own` position on the head. Then pushes to every
 * device of both users but the sending one.
 */
export function sendDirectMessage(deps: SendDirectDeps, input: SendDirectInput): Promise<SendReply> {
  const { storage } = deps;
  const sender = input.sender.userId;
  const { recipient, conversation } = input;

  const deliver: Delivery = async (claim, stored) => {
    const now = deps.clock();
    const liveConnections = connectionsOf(storage, [sender, recipient], now);
    liveConnections.catch(() => undefined);
    let record = stored;
    if (!record) {
      // The block check is the newest-cseq query the append needs anyway, made before anything is
      // spent: a blocked send allocates no seq and counts nothing. Only a send that commits a new
      // message is checked: a retry of one stored before the block finishes it (idempotency wins).
      const top = await latestCseqUnlessBlocked(storage, conversation.id);
      if (top.blocked) throw blockedSend();
      // The sender's allocation also counts the send against the per-user limit; it goes first,
      // so a refused send allocates nothing in the recipient's timeline.
      const senderSeq = (await countSend(storage, sender, now, true))!;
      const recipientSeq = await allocateSeq(storage, recipient, now);
      await deps.checkpoint('send:seqs-allocated');
      record = await appendMessage(storage, {
        conversationId: conversation.id,
        msgId: claim.msgId,
        from: sender,
        body: input.body,
        ...input.references,
        ts: claim.ts,
        clientMsgId: input.clientMsgId,
        senderSeq,
        recipientSeq,
      }, top.latest);
      await deps.checkpoint('send:message-stored');
    }
    const recovering = stored !== undefined;
    const message = fromMessageRecord(record);
    const [senderSeq, recipientSeq, head] = await Promise.all([
      appendRecordedMessage(storage, sender, message, record.senderSeq!, now, recovering),
      appendRecordedMessage(storage, recipient, message, record.recipientSeq!, now, recovering),
      recordSent(storage, conversation, sender, record.cseq),
    ]);
    if (!head.listed) {
      await putDirectMemberships(storage, conversation.id, conversation.members, now);
      await recordListed(storage, conversation.id);
    }
    await deps.checkpoint('send:timelines-written');

    const connections = await liveConnections;
    const item = (seq: number): TimelineItem => ({ seq, type: 'message', message });
    await Promise.all([
      deps.pusher.pushToConnections(
        connections.filter((c) => c.userId === recipient),
        { event: 'message', data: item(recipientSeq) },
      ),
      deps.pusher.pushToConnections(
        connections.filter((c) => c.userId === sender && c.connectionId !== input.sender.connectionId),
        { event: 'message', data: item(senderSeq) },
      ),
    ]);
    await deps.checkpoint('send:pushed');
    return { msgId: message.msgId, conversationId: conversation.id, conversationSeq: message.conversationSeq, seq: senderSeq, ts: message.ts };
  };

  return sendMessage(deps, { sender, clientMsgId: input.clientMsgId, conversationId: conversation.id }, deliver);
}
