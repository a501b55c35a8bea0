import type { Body, Message } from '@serverless-im/protocol';
import { ConflictError, ForbiddenError, RateLimitedError } from '../errors/request-errors.js';
import { newMessageId } from '../ids/new-ids.js';
import type { Moderate } from '../moderation/moderate.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import { claimSend, readSendClaim, releaseClaim, type SendClaim, sendClaimId, type SendReply, saveReply, takeOverClaim } from '../storage/claims.js';
import { findSentMessage, findSentMessageAfter, latestCseq, type MessageRecord } from '../storage/conversations/index.js';
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
 * `firstAttempt`: this request made the claim, so what it read before claiming is still current
 * (a takeover reads again).
 */
export type Delivery = (claim: SendClaim, stored: MessageRecord | undefined, firstAttempt: boolean, body?: Body) => Promise<SendReply>;

/** Refusals that come before anything is stored: the claim goes, so the same clientMsgId can be sent later. */
const refusedBeforeStoring = (error: unknown): boolean =>
  error instanceof RateLimitedError || (error instanceof ForbiddenError && (error.reason === 'blocked' || error.reason === 'moderated'));

type SendInput = { sender: string; clientMsgId: string; conversationId: string; body: Body };

/** Claiming and storing, as the first attempt and a takeover do them. */
interface Attempts {
  /** Takes the claim (fixing the message id and time) with the cseq the message will be above. */
  claim(now: number, afterCseq: number): ReturnType<typeof claimSend>;
  /**
   * Stores the message of a claim: moderation judges it first (once per stored message: a retry
   * that finds it stored never asks again), before any seq is spent.
   */
  store(claim: SendClaim, firstAttempt: boolean): Promise<SendReply>;
}

function attemptsOf(deps: SendDeps, input: SendInput, deliver: Delivery): Attempts {
  const claimId = sendClaimId(input.sender, input.clientMsgId);
  return {
    claim: (now, afterCseq) => claimSend(deps.storage, { claimId, msgId: newMessageId(now), ts: now, conversationId: input.conversationId, afterCseq }),
    store: async (claim, firstAttempt) => {
      try {
        const body = deps.moderate && (await deps.moderate({ kind: 'message', sender: input.sender, conversationId: input.conversationId, body: input.body, msgId: claim.msgId, clientMsgId: input.clientMsgId }));
        return await deliver(claim, undefined, firstAttempt, body);
      } catch (error) {
        if (refusedBeforeStoring(error)) await releaseClaim(deps.storage, claim.claimId);
        throw error;
      }
    },
  };
}

/** How long a retry waits for a concurrent first attempt to store the message before answering. */
const RESUME_WAIT_MS = 3_000;
const RESUME_POLL_MS = 100;
/** Tolerated clock difference between the Lambda instances of two attempts. */
const CLOCK_SKEW_MS = 5_000;

/**
 * `send`, whatever the conversation: the first write claims (sender, clientMsgId), which fixes
 * the message id and time and records a cseq the message will be above (`afterCseq`, read by the
 * caller before claiming); the message stored in its conversation is the commit point. A retry
 * answers from the first attempt: finishing its delivery if it stored the message, waiting for it
 * while it may still run, taking over once it has certainly ended without storing.
 *
 * `refusal`: the caller already knows a new send would be refused (a block): nothing is written,
 * but a retry of a send claimed before still finishes it (idempotency wins).
 */
export async function sendMessage(
  deps: SendDeps,
  input: SendInput & { afterCseq: number; refusal?: Error },
  deliver: Delivery,
): Promise<SendReply> {
  const attempts = attemptsOf(deps, input, deliver);
  if (input.refusal) {
    const earlier = await readSendClaim(deps.storage, sendClaimId(input.sender, input.clientMsgId));
    if (!earlier) throw input.refusal;
    return resumeSend(deps, { ...input, refusal: input.refusal }, earlier, deliver, attempts);
  }
  const claimed = await attempts.claim(deps.clock(), input.afterCseq);
  if (claimed.status === 'claimed') {
    await deps.checkpoint('send:claimed');
    return attempts.store(claimed.claim, true);
  }
  return resumeSend(deps, input, claimed.claim, deliver, attempts);
}

/**
 * A retry of a claimed send. The message of the attempt the claim names (the first one, or the
 * latest takeover) is above the claim's `afterCseq` and was claimed by the time that attempt
 * ended, so the lookup reads only the messages stored during the attempt, however deep the
 * conversation is now. Not found once the attempt has certainly ended: take over, but only the
 * claim as read (another retry's takeover names another attempt, whose message this lookup did
 * not look for), so the claim is read again on every round.
 */
async function resumeSend(
  deps: SendDeps,
  input: SendInput & { refusal?: Error },
  first: SendClaim,
  deliver: Delivery,
  attempts: Attempts,
): Promise<SendReply> {
  let claim = first;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = deps.clock() + RESUME_WAIT_MS;
  for (;;) {
    if (claim.reply) return claim.reply;
    if (claim.conversationId !== input.conversationId) {
      throw new ConflictError('clientMsgId: already used for a message to another conversation', { reason: 'clientMsgIdReused' });
    }
    const attemptEndsAt = Math.max(claim.ts, claim.takenOverAt ?? 0) + deps.attemptMs;
    const { found, newest } = await lookUpMessage(deps, input, claim, attemptEndsAt);
    if (found) {
      const reply = await deliver(claim, found, false);
      await saveReply(deps.storage, claim.claimId, reply);
      return reply;
    }
    const now = deps.clock();
    if (now > attemptEndsAt) {
      const afterCseq = newest ?? (await latestCseq(deps.storage, input.conversationId));
      if (await takeOverClaim(deps.storage, claim, now, deps.attemptMs, afterCseq)) return attempts.store({ ...claim, takenOverAt: now, afterCseq }, false);
    }
    if (now >= giveUpAt) {
      // The attempt waited for was refused before storing and gave the clientMsgId back: unless a
      // new send is refused anyway (a block), this is a first attempt now.
      if (input.refusal && !(await readSendClaim(deps.storage, claim.claimId))) throw input.refusal;
      const again = input.refusal ? undefined : await attempts.claim(now, newest ?? (await latestCseq(deps.storage, input.conversationId)));
      if (again?.status === 'claimed') return attempts.store(again.claim, false);
      throw new ConflictError('a send with this clientMsgId is still in progress; retry later with the same clientMsgId', {
        reason: 'inProgress',
        // Until the attempt in progress has certainly ended (another retry took over when it is already past).
        retryAfterMs: now < attemptEndsAt ? attemptEndsAt - now : deps.attemptMs,
      });
    }
    await sleep(RESUME_POLL_MS);
    claim = (await readSendClaim(deps.storage, claim.claimId)) ?? claim;
  }
}

async function lookUpMessage(
  deps: SendDeps,
  input: { sender: string; clientMsgId: string; conversationId: string },
  claim: SendClaim,
  attemptEndsAt: number,
): Promise<{ found?: MessageRecord; newest?: number }> {
  if (claim.afterCseq !== undefined) {
    return findSentMessageAfter(deps.storage, input.conversationId, input.sender, input.clientMsgId, Number(claim.afterCseq), attemptEndsAt + CLOCK_SKEW_MS);
  }
  // A claim from before `afterCseq`: look back from the newest message. Messages committed after
  // ours can carry a time up to one attempt older than ours.
  const notBefore = claim.ts - deps.attemptMs - CLOCK_SKEW_MS;
  const found = await findSentMessage(deps.storage, input.conversationId, input.sender, input.clientMsgId, notBefore);
  return found ? { found } : {};
}

/**
 * Writes a stored message into a user's timeline at the seq recorded for it on the message (the
 * commit point holds the seqs, so no claim is needed), exactly once.
 */
export const appendRecordedMessage = (storage: Storage, userId: string, message: Message, seq: number, now: number, recovering: boolean): Promise<number> =>
  appendOnce(storage, messageRecord(userId, message), now, { kind: 'recorded', seq, recovering });

export type { SendClaim, SendReply };
