import type { Message } from '@serverless-im/protocol';
import { ConflictError, ForbiddenError, RateLimitedError } from '../errors/request-errors.js';
import { newMessageId } from '../ids/new-ids.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import { claimSend, releaseClaim, type SendClaim, sendClaimId, type SendReply, saveReply, takeOverClaim } from '../storage/claims.js';
import { findSentMessage, type MessageRecord } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';
import { messageRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';

/** What a new message refers to: the message it answers and the members it mentions (both checked). */
export interface MessageReferences {
  replyTo?: number;
  mentions?: string[];
}

export interface SendDeps {
  storage: Storage;
  clock: () => number;
  /** Longest a send attempt can run (the send function's timeout plus margin). */
  attemptMs: number;
  checkpoint: Checkpoint;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Stores and delivers one message for a claim. Without `stored`, it commits the message first;
 * with it (a retry found the message an earlier attempt committed), it only finishes delivery,
 * and every step must then be idempotent.
 */
export type Delivery = (claim: SendClaim, stored?: MessageRecord) => Promise<SendReply>;

const isBlockedRefusal = (error: unknown): boolean => error instanceof ForbiddenError && error.reason === 'blocked';

/** How long a retry waits for a concurrent first attempt to store the message before answering. */
const RESUME_WAIT_MS = 3_000;
const RESUME_POLL_MS = 100;
/** Tolerated clock difference between the Lambda instances of two attempts. */
const CLOCK_SKEW_MS = 5_000;

/**
 * `send`, whatever the conversation: the first write claims (sender, clientMsgId), which fixes
 * the message id and time; the message stored in its conversation is the commit point. A retry
 * answers from the first attempt: finishing its delivery if it stored the message, waiting for it
 * while it may still run, taking over once it has certainly ended without storing.
 */
export async function sendMessage(
  deps: SendDeps,
  input: { sender: string; clientMsgId: string; conversationId: string },
  deliver: Delivery,
): Promise<SendReply> {
  const now = deps.clock();
  const claimed = await claimSend(deps.storage, {
    claimId: sendClaimId(input.sender, input.clientMsgId),
    msgId: newMessageId(now),
    ts: now,
    conversationId: input.conversationId,
  });
  if (claimed.status === 'claimed') {
    await deps.checkpoint('send:claimed');
    try {
      return await deliver(claimed.claim);
    } catch (error) {
      // Refused before anything was stored: the claim goes, so the same clientMsgId can be sent later.
      if (error instanceof RateLimitedError || isBlockedRefusal(error)) await releaseClaim(deps.storage, claimed.claim.claimId);
      throw error;
    }
  }
  const claim = claimed.claim;
  if (claim.reply) return claim.reply;
  if (claim.conversationId !== input.conversationId) {
    throw new ConflictError('clientMsgId: already used for a message to another conversation', { reason: 'clientMsgIdReused' });
  }
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = deps.clock() + RESUME_WAIT_MS;
  for (;;) {
    // Messages committed after ours can carry a time up to one attempt older than ours.
    const notBefore = claim.ts - deps.attemptMs - CLOCK_SKEW_MS;
    const stored = await findSentMessage(deps.storage, input.conversationId, input.sender, input.clientMsgId, notBefore);
    if (stored) {
      const reply = await deliver(claim, stored);
      await saveReply(deps.storage, claim.claimId, reply);
      return reply;
    }
    const now = deps.clock();
    const attemptEndsAt = Math.max(claim.ts, claim.takenOverAt ?? 0) + deps.attemptMs;
    if (now > attemptEndsAt && (await takeOverClaim(deps.storage, claim.claimId, now, deps.attemptMs))) {
      return deliver(claim);
    }
    if (now >= giveUpAt) {
      throw new ConflictError('a send with this clientMsgId is still in progress; retry later with the same clientMsgId', {
        reason: 'inProgress',
        // Until the attempt in progress has certainly ended (another retry took over when it is already past).
        retryAfterMs: now < attemptEndsAt ? attemptEndsAt - now : deps.attemptMs,
      });
    }
    await sleep(RESUME_POLL_MS);
  }
}

/**
 * Writes a stored message into a user's timeline at the seq recorded for it on the message (the
 * commit point holds the seqs, so no claim is needed), exactly once.
 */
export const appendRecordedMessage = (storage: Storage, userId: string, message: Message, seq: number, now: number, recovering: boolean): Promise<number> =>
  appendOnce(storage, messageRecord(userId, message), now, { kind: 'recorded', seq, recovering });

export type { SendClaim, SendReply };
