import type { Body, Message, TimelineItem } from '@serverless-im/protocol';
import { countSend } from '../limits/send-window.js';
import { storedBodyIfReplaced } from '../moderation/moderate.js';
import type { Pusher } from '../push/pusher.js';
import { connectionsOf, type UserConnection } from '../storage/connections.js';
import { ForbiddenError } from '../errors/request-errors.js';
import { appendMessage, type DirectConversation, fromMessageRecord, latestCseqUnlessBlocked, type MessageRecord, recordListed, recordSent } from '../storage/conversations/index.js';
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
 * `send` in a direct conversation, inline (one invocation). Reads the newest cseq (the block
 * check), then writes, in order: the send claim; both users' next
 * timeline seqs; the message at the conversation's next cseq (the commit point, recording those
 * seqs); both timeline items and the sender's `own` position on the head. Then pushes to every
 * device of both users but the sending one.
 */
export function sendDirectMessage(deps: SendDirectDeps, input: SendDirectInput): Promise<SendReply> {
  const { storage } = deps;
  const sender = input.sender.userId;
  const { recipient, conversation } = input;

  const deliver = (top: Awaited<ReturnType<typeof latestCseqUnlessBlocked>>): Delivery => async (claim, stored, firstAttempt, body = input.body) => {
    const now = deps.clock();
    const liveConnections = connectionsOf(storage, [sender, recipient], now);
    liveConnections.catch(() => undefined);
    let record = stored;
    if (!record) {
      // The block check the first attempt made before claiming is still current; a takeover checks again.
      const latest = firstAttempt ? top : await latestCseqUnlessBlocked(storage, conversation.id);
      if (latest.blocked) throw blockedSend();
      // The sender's allocation also counts the send against the per-user limit; it goes first,
      // so a refused send allocates nothing in the recipient's timeline.
      const senderSeq = (await countSend(storage, sender, now, true))!;
      const recipientSeq = await allocateSeq(storage, recipient, now);
      await deps.checkpoint('send:seqs-allocated');
      record = await appendMessage(storage, {
        conversationId: conversation.id,
        msgId: claim.msgId,
        from: sender,
        body,
        ...input.references,
        ts: claim.ts,
        clientMsgId: input.clientMsgId,
        senderSeq,
        recipientSeq,
      }, latest.latest);
      await deps.checkpoint('send:message-stored');
    }
    const { senderSeq, message } = await finishDirectDelivery(deps, conversation, record, {
      recovering: stored !== undefined,
      exceptConnectionId: input.sender.connectionId,
      liveConnections,
    });
    return { msgId: message.msgId, conversationId: conversation.id, conversationSeq: message.conversationSeq, seq: senderSeq, ts: message.ts, ...storedBodyIfReplaced(message.body, input.body) };
  };

  // The block check is the newest-cseq query the append needs anyway, made before anything is
  // written, so a blocked send writes nothing; the newest cseq is also where the claim says its
  // message will be above. Only a send that commits a new message is refused: a retry of one
  // claimed before the block finishes it (idempotency wins).
  return latestCseqUnlessBlocked(storage, conversation.id).then((top) =>
    sendMessage(
      deps,
      { sender, clientMsgId: input.clientMsgId, conversationId: conversation.id, body: input.body, afterCseq: top.blocked ? 0 : top.latest, ...(top.blocked ? { refusal: blockedSend() } : {}) },
      deliver(top),
    ),
  );
}

export interface FinishOptions {
  /** True when an earlier attempt may have done some of it: every write must then be idempotent. */
  recovering: boolean;
  /** The connection that sent the message: it has the reply, so it gets no push. */
  exceptConnectionId?: string;
  /** The users' live connections, when the caller already started reading them. */
  liveConnections?: Promise<UserConnection[]>;
}

/**
 * Everything after a direct message's commit point: both timeline items at the seqs the message
 * records, the sender's position on the head, the listing of a new conversation, and the pushes.
 * Each write is idempotent, so `send`, a retry of it and the delivery repair
 * (delivery-repair/repair-delivery.ts) may all run it for the same message.
 */
export async function finishDirectDelivery(
  deps: SendDirectDeps,
  conversation: DirectConversation,
  record: MessageRecord,
  options: FinishOptions,
): Promise<{ senderSeq: number; recipientSeq: number; message: Message }> {
  const { storage } = deps;
  const sender = record.from;
  const recipient = conversation.members[0] === sender ? conversation.members[1] : conversation.members[0];
  const now = deps.clock();
  const liveConnections = options.liveConnections ?? connectionsOf(storage, [sender, recipient], now);
  liveConnections.catch(() => undefined);
  const message = fromMessageRecord(record);
  const [senderSeq, recipientSeq, head] = await Promise.all([
    appendRecordedMessage(storage, sender, message, record.senderSeq!, now, options.recovering),
    appendRecordedMessage(storage, recipient, message, record.recipientSeq!, now, options.recovering),
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
      connections.filter((c) => c.userId === sender && c.connectionId !== options.exceptConnectionId),
      { event: 'message', data: item(senderSeq) },
    ),
  ]);
  await deps.checkpoint('send:pushed');
  return { senderSeq, recipientSeq, message };
}
