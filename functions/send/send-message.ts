import type { Body, Message } from '@serverless-im/protocol';
import { ConflictError, ForbiddenError, RateLimitedError } from '../errors/request-errors.js';
import { newMessageId } from '../ids/new-ids.js';
import type { Moderate } from '../moderation/moderate.js';
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
  /** The deployment's moderation hook, when it has one (functions/moderation/). */
  moderate?: Moderate;
}

/**
 * Stores and delivers one message for a claim. Without `stored`, it commits the message first,
 * with `body` (what moderation let through) when given; with it (a retry found the message an
 * earlier attempt committed), it only finishes delivery, and every step must then be idempotent.
 */
export type Delivery = (claim: SendClaim, stored?: MessageRecord, body?: Body) => Promise<SendReply>;

/** Refusals that come before anything is stored: the claim goes, so the same clientMsgId can be sent later. */
const refusedBeforeStoring = (error: unknown): boolean =>
  error instanceof RateLimitedError || (error instanceof ForbiddenError && (error.reason === 'blocked' || error.reason === 'moderated'));

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
  input: { sender: string; clientMsgId: string; conversationId: string; body: Body },
  deliver: Delivery,
): Promise<SendReply> {
  const claimNow = (now: number) =>
    claimSend(deps.storage, { claimId: sendClaimId(input.sender, input.clientMsgId), msgId: newMessageId(now), ts: now, conversationId: input.conversationId });
  // An attempt that stores the message: moderation judges it first (once per stored message: a
  // retry that finds it stored never asks again), before any seq is spent.
  const attempt = async (claim: SendClaim): Promise<SendReply> => {
    try {
      const body = deps.moderate && (await deps.moderate({ kind: 'message', sender: input.sender, conversationId: input.conversationId, body: input.body, msgId: claim.msgId, clientMsgId: input.clientMsgId }));
      return await deliver(claim, undefined, body);
    } catch (error) {
      if (refusedBeforeStoring(error)) await releaseClaim(deps.storage, claim.claimId);
      throw error;
    }
  };
  const claimed = await claimNow(deps.clock());
  if (claimed.status === 'claimed') {
    await deps.checkpoint('send:claimed');
    return attempt(claimed.claim);
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
      return attempt(claim);
    }
    if (now >= giveUpAt) {
      // The attempt we waited for was refused before storing and gave the clientMsgId back: this is a first attempt now.
      const again = await claimNow(now);
      if (again.status === 'claimed') return attempt(again.claim);
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
