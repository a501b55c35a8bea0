import { ProtocolError } from '../protocol/errors.js';
import { connectionsOf } from '../push/connection-directory.js';
import type { Pusher } from '../push/pusher.js';
import type { Storage } from '../storage/tables.js';
import { allocateSeq } from '../timeline/timeline-store.js';
import type { Checkpoint } from './checkpoints.js';
import { type ConversationRef, directConversationId, parseConversationId } from './conversation-id.js';
import { deliverTimelineItem } from './deliver-timeline-item.js';
import { recordListed, recordSent } from './direct-conversation-head.js';
import { newMessageId } from './ids.js';
import type { Body, TimelineItem } from './message.js';
import { appendMessage, findSentMessage, fromMessageRecord, type MessageRecord } from './message-store.js';
import { putDirectMemberships } from './membership-store.js';
import { claimIdOf, claimSend, type SendClaim, type SendReply, saveReply, takeOverClaim } from './send-claims.js';

type DirectConversation = Extract<ConversationRef, { kind: 'direct' }>;

export interface SendDirectDeps {
  storage: Storage;
  pusher: Pusher;
  clock: () => number;
  /** Longest a send attempt can run (the send function's timeout plus margin). */
  attemptMs: number;
  checkpoint: Checkpoint;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendDirectInput {
  sender: { userId: string; connectionId: string };
  clientMsgId: string;
  to: string;
  body: Body;
}

/** How long a retry waits for a concurrent first attempt to store the message before answering. */
const RESUME_WAIT_MS = 3_000;
const RESUME_POLL_MS = 100;
/** Tolerated clock difference between the Lambda instances of two attempts. */
const CLOCK_SKEW_MS = 5_000;

/**
 * `send` to a user. Writes, in order: the claim on (sender, clientMsgId); both users' next
 * timeline seqs; the message at the conversation's next cseq (the commit point, holding those
 * seqs); both timeline items and the sender's read position. Then pushes to every device of both
 * users but the sending one. A retry of any partial attempt finishes it from the stored message.
 */
export async function sendDirectMessage(deps: SendDirectDeps, input: SendDirectInput): Promise<SendReply> {
  if (input.to === input.sender.userId) throw new ProtocolError('BAD_REQUEST', 'to: cannot send a direct message to yourself');
  const conversation = parseConversationId(directConversationId(input.sender.userId, input.to)) as DirectConversation;
  const now = deps.clock();
  const claimed = await claimSend(deps.storage, {
    claimId: claimIdOf(input.sender.userId, input.clientMsgId),
    msgId: newMessageId(now),
    ts: now,
    conversationId: conversation.id,
  });
  if (claimed.status === 'exists') return resumeSend(deps, input, conversation, claimed.claim);
  await deps.checkpoint('send:claimed');
  return deliver(deps, input, conversation, claimed.claim);
}

async function deliver(
  deps: SendDirectDeps,
  input: SendDirectInput,
  conversation: DirectConversation,
  claim: SendClaim,
  stored?: MessageRecord,
): Promise<SendReply> {
  const { storage } = deps;
  const sender = input.sender.userId;
  const recipient = input.to;
  const now = deps.clock();
  const liveConnections = connectionsOf(storage, [sender, recipient], now);
  liveConnections.catch(() => undefined);

  let record = stored;
  if (!record) {
    const [senderSeq, recipientSeq] = await Promise.all([allocateSeq(storage, sender, now), allocateSeq(storage, recipient, now)]);
    await deps.checkpoint('send:seqs-allocated');
    record = await appendMessage(storage, {
      conversationId: conversation.id,
      msgId: claim.msgId,
      from: sender,
      body: input.body,
      ts: claim.ts,
      clientMsgId: input.clientMsgId,
      senderSeq,
      recipientSeq,
    });
    await deps.checkpoint('send:message-stored');
  }
  const recovering = stored !== undefined;
  const message = fromMessageRecord(record);
  const [senderSeq, recipientSeq, head] = await Promise.all([
    deliverTimelineItem(storage, sender, message, record.senderSeq!, now, recovering),
    deliverTimelineItem(storage, recipient, message, record.recipientSeq!, now, recovering),
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
}

/**
 * A `send` whose clientMsgId was claimed before: answer with the first attempt's reply. If that
 * attempt stored the message, finish its delivery (every step is idempotent) and reply; if it is
 * certainly over without storing it, take over; if it may still be running, wait for it.
 */
async function resumeSend(deps: SendDirectDeps, input: SendDirectInput, conversation: DirectConversation, claim: SendClaim): Promise<SendReply> {
  if (claim.reply) return claim.reply;
  if (claim.conversationId !== conversation.id) {
    throw new ProtocolError('CONFLICT', 'clientMsgId: already used for a message to another conversation');
  }
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = deps.clock() + RESUME_WAIT_MS;
  for (;;) {
    // Messages committed after ours can carry a time up to one attempt older than ours.
    const notBefore = claim.ts - deps.attemptMs - CLOCK_SKEW_MS;
    const stored = await findSentMessage(deps.storage, conversation.id, input.sender.userId, input.clientMsgId, notBefore);
    if (stored) {
      const reply = await deliver(deps, input, conversation, claim, stored);
      await saveReply(deps.storage, claim.claimId, reply);
      return reply;
    }
    const now = deps.clock();
    const firstAttemptOver = now > Math.max(claim.ts, claim.takenOverAt ?? 0) + deps.attemptMs;
    if (firstAttemptOver && (await takeOverClaim(deps.storage, claim.claimId, now, deps.attemptMs))) {
      return deliver(deps, input, conversation, claim);
    }
    if (now >= giveUpAt) {
      throw new ProtocolError('CONFLICT', 'a send with this clientMsgId is still in progress; retry later with the same clientMsgId');
    }
    await sleep(RESUME_POLL_MS);
  }
}
