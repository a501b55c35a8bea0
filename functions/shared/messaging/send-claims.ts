import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, type Storage, writeIfConditionHolds } from '../storage/tables.js';

/**
 * The reply of `send` (PROTOCOL.md). `seq` is the sender's own timeline item; a large group's
 * message is stored only in its conversation (read fan-out), so there it is null.
 */
export interface SendReply {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
  seq: number | null;
  ts: number;
}

/**
 * One per (sender, clientMsgId): taking it is what makes a `send` the first attempt. It fixes the
 * message id and time, so every retry produces the same message. `reply` is only filled in by
 * retries, to answer later retries without looking again.
 */
export interface SendClaim {
  claimId: string;
  msgId: string;
  ts: number;
  conversationId: string;
  expiresAt: number;
  takenOverAt?: number;
  reply?: SendReply;
}

/** How long a clientMsgId is remembered: a client retrying after this stores a new message. */
export const CLAIM_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** `:` cannot occur in a user id, so the pair maps to one key unambiguously. */
export const claimIdOf = (userId: string, clientMsgId: string): string => `${userId}:${clientMsgId}`;

export type ClaimResult = { status: 'claimed'; claim: SendClaim } | { status: 'exists'; claim: SendClaim };

export async function claimSend(storage: Storage, claim: Omit<SendClaim, 'expiresAt'>): Promise<ClaimResult> {
  const item: SendClaim = { ...claim, expiresAt: Math.floor(claim.ts / 1000) + CLAIM_RETENTION_SECONDS };
  try {
    await storage.db.send(
      new PutCommand({
        TableName: storage.tables.claims,
        Item: item,
        ConditionExpression: 'attribute_not_exists(claimId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { status: 'claimed', claim: item };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const existing = itemOfConditionFailure<SendClaim>(error);
    if (!existing) throw new Error('condition failed without returning the claim');
    return { status: 'exists', claim: existing };
  }
}

/**
 * Lets exactly one retry take over a send whose first attempt ended without storing the
 * message. False when another retry took over less than `attemptMs` ago.
 */
export async function takeOverClaim(storage: Storage, claimId: string, now: number, attemptMs: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId },
        UpdateExpression: 'SET takenOverAt = :now',
        ConditionExpression: 'attribute_not_exists(takenOverAt) OR takenOverAt < :expired',
        ExpressionAttributeValues: { ':now': now, ':expired': now - attemptMs },
      }),
    ),
  );
}

export async function saveReply(storage: Storage, claimId: string, reply: SendReply): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.claims,
      Key: { claimId },
      UpdateExpression: 'SET reply = :reply',
      ExpressionAttributeValues: { ':reply': reply },
    }),
  );
}

/**
 * Gives a clientMsgId back when its send was refused before anything was stored (rate limit), so
 * the client's retry is a fresh first attempt instead of waiting out the first one.
 */
export async function releaseClaim(storage: Storage, claimId: string): Promise<void> {
  await storage.db.send(new DeleteCommand({ TableName: storage.tables.claims, Key: { claimId } }));
}
