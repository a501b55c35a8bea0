import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SendResult } from '@serverless-im/protocol';
import { batchGetAll } from './batch.js';
import { isConditionalCheckFailed, itemOfConditionFailure, writeIfConditionHolds } from './conditions.js';
import { UnexpectedStorageStateError } from './errors.js';
import type { Storage } from './storage.js';

/**
 * The Claims table, key `claimId`: records that make a multi-step write happen once. Its key
 * spaces, and this module is the only place that builds their keys:
 * - send claims, one per (sender, clientMsgId): `<userId>:<clientMsgId>`;
 * - delivery claims, one per (recipient, timeline content): `delivery#<userId>#<itemKey>`;
 * - fan-out claims, one per (group message, recipient partition): `fanout#<msgId>#p<partition>`,
 *   the seq of every recipient of that partition's job;
 * - upload allowances, one per (uploader, UTC day): `uploads#<userId>#<YYYY-MM-DD>`;
 * - push claims, one per (recipient, device, message): `push#<userId>#<deviceId>#<msgId>`;
 * - attachment claims, one per upload: `attachment#<attachmentId>`, the message it belongs to;
 * - event claims, one per published event: `event#<eventId>` (functions/events/, docs/events.md);
 * - group request claims, one per (owner, clientRequestId) of `POST /v1/groups`:
 *   `groupRequest#<owner>#<clientRequestId>`, the group id fixed before the group is created.
 * Disjoint by construction: `:` and `#` occur in no user id, so a send claim has a `:` and no `#`
 * before it, while every other key starts with its own prefix and a `#`, before any `:`. Each
 * tuple maps to one key of one space whatever a client chooses as user id or clientMsgId.
 *
 * Delivery claims written before 2026-12 used `delivery:<userId>:<itemKey>`, the shape of a send
 * claim of a user named `delivery`. They are kept (never expire), so the paths that look a copy up
 * (a recall, finishing an update) still read that key when the new ones have nothing, and trust
 * only an item shaped like a delivery claim (`legacyDeliveredSeqOf`). Nothing writes it any more.
 */
export const sendClaimId = (userId: string, clientMsgId: string): string => `${userId}:${clientMsgId}`;
export const deliveryClaimId = (userId: string, itemKey: string): string => `delivery#${userId}#${itemKey}`;
/** The pre-2026-12 delivery claim key: read-only (see above). */
export const legacyDeliveryClaimId = (userId: string, itemKey: string): string => `delivery:${userId}:${itemKey}`;
export const fanOutClaimId = (msgId: string, partition: number): string => `fanout#${msgId}#p${partition}`;
export const uploadAllowanceId = (userId: string, day: string): string => `uploads#${userId}#${day}`;
export const attachmentClaimId = (attachmentId: string): string => `attachment#${attachmentId}`;
/** A clientRequestId is 1-64 chars of [A-Za-z0-9_.:-]: no `#`, so the key splits one way. */
export const groupRequestClaimId = (owner: string, clientRequestId: string): string => `groupRequest#${owner}#${clientRequestId}`;

// ---- Send claims ----------------------------------------------------------------------------

/** The reply of `send`, as a send claim remembers it. */
export type SendReply = SendResult;

/**
 * Taking the send claim is what makes a `send` the first attempt. It fixes the message id and time,
 * so every retry produces the same message. `reply` is only filled in by retries, to answer later
 * retries without looking again.
 */
export interface SendClaim {
  claimId: string;
  msgId: string;
  ts: number;
  conversationId: string;
  /**
   * A cseq of the conversation read before the attempt (or the takeover) that owns the claim:
   * its message, once stored, is above it. A retry looks for the message from there on, so the
   * lookup costs the same however deep the conversation has grown since (absent on claims from
   * before 2026-12, whose retries look back from the newest message).
   */
  afterCseq?: number;
  expiresAt: number;
  takenOverAt?: number;
  reply?: SendReply;
}

/** How long a clientMsgId is remembered: a client retrying after this stores a new message. */
export const CLAIM_RETENTION_SECONDS = 30 * 24 * 60 * 60;

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
    if (!existing) throw new UnexpectedStorageStateError('condition failed without returning the claim', { cause: error });
    return { status: 'exists', claim: existing };
  }
}

/** The send claim, if any (strongly consistent: a retry can come right after the first attempt). */
export async function readSendClaim(storage: Storage, claimId: string): Promise<SendClaim | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.claims, Key: { claimId }, ConsistentRead: true }));
  return result.Item as SendClaim | undefined;
}

/**
 * Lets exactly one retry take over a send whose first attempt ended without storing the
 * message. False when another retry took over less than `attemptMs` ago. `afterCseq`: a cseq the
 * retry saw, below wherever the takeover's message will be stored.
 */
export async function takeOverClaim(storage: Storage, claim: SendClaim, now: number, attemptMs: number, afterCseq: number): Promise<boolean> {
  // Only over the claim as the retry read it: the retry looked for the message of the attempt that
  // claim names, and a takeover made meanwhile names another one.
  const seen = claim.takenOverAt;
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId: claim.claimId },
        UpdateExpression: 'SET takenOverAt = :now, afterCseq = :after',
        ConditionExpression: seen === undefined ? 'attribute_not_exists(takenOverAt)' : 'takenOverAt = :seen AND takenOverAt < :expired',
        ExpressionAttributeValues: { ':now': now, ':after': afterCseq, ...(seen === undefined ? {} : { ':seen': seen, ':expired': now - attemptMs }) },
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

// ---- Delivery claims ------------------------------------------------------------------------

interface DeliveryClaim {
  claimId: string;
  seq: number;
}

/**
 * Binds (user, content) to a seq, unless an earlier attempt did: then answers with that attempt's
 * seq. Delivery claims never expire. A job can come back at any age (a dead-letter redrive after
 * weeks, a redrive of a redrive), and a claim that had expired would let it write a second copy
 * for everyone it already served; the claim of a group message's item is also where a recall finds
 * the member's copy (deliveredSeqOf). About 60 bytes per recipient and item, stored once. Group
 * messages' own items use fan-out claims instead (one per job, below); these bind everything else
 * (system, update and deleteForMe items, and a recipient a fan-out claim does not list).
 */
export async function claimDelivery(storage: Storage, userId: string, itemKey: string, seq: number): Promise<{ mine: boolean; seq: number }> {
  const claim: DeliveryClaim = { claimId: deliveryClaimId(userId, itemKey), seq };
  try {
    await storage.db.send(
      new PutCommand({
        TableName: storage.tables.claims,
        Item: claim,
        ConditionExpression: 'attribute_not_exists(claimId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { mine: true, seq };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return { mine: false, seq: Number(itemOfConditionFailure<DeliveryClaim>(error)?.seq) };
  }
}

/** Moves a delivery claim from a seq that was closed to the new one; false when another attempt moved it first. */
export async function moveDeliveryClaim(storage: Storage, userId: string, itemKey: string, from: number, to: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId: deliveryClaimId(userId, itemKey) },
        UpdateExpression: 'SET seq = :to',
        ConditionExpression: 'seq = :from',
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}

/**
 * The seq a delivery claim bound (user, content) to, if it was ever claimed: the claim's key, or
 * for content delivered before the keys moved, the legacy key (trusted only when it holds what a
 * delivery claim holds: a seq and nothing a send claim has, so a send claim planted there by a
 * user named `delivery` is ignored).
 */
export async function deliveredSeqOf(storage: Storage, userId: string, itemKey: string): Promise<number | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.claims, Key: { claimId: deliveryClaimId(userId, itemKey) }, ConsistentRead: true }));
  if (result.Item) return Number(result.Item.seq);
  return legacyDeliveredSeqOf(storage, userId, itemKey);
}

async function legacyDeliveredSeqOf(storage: Storage, userId: string, itemKey: string): Promise<number | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.claims, Key: { claimId: legacyDeliveryClaimId(userId, itemKey) } }));
  const item = result.Item;
  const isDeliveryClaim = item !== undefined && typeof item.seq === 'number' && Number.isSafeInteger(item.seq) && item.seq > 0 && item.msgId === undefined;
  return isDeliveryClaim ? Number(item.seq) : undefined;
}

// ---- Fan-out claims -------------------------------------------------------------------------

/**
 * One claim per (group message, recipient partition): the seq allocated for each recipient of
 * that partition's job, written once, after the seqs are allocated and before any item is. A
 * redelivered or re-enqueued job reads it and rewrites the items at those seqs (idempotent), so a
 * recipient costs its seq and its item, and the job one claim (1 WRU per KB: about 25 recipients).
 * Kept like delivery claims: a redrive at any age finds it, and a recall finds a member's copy by it.
 * Immutable but for a seq moved off a closed one, so a recipient is bound by it or (a recipient it
 * does not list: a later job of the same partition) by a delivery claim, never both.
 */
export interface FanOutClaim {
  claimId: string;
  seqs: Record<string, number>;
}

/** The fan-out claim of a message's partition, if a job wrote it (strongly consistent: a redelivery can come at once). */
export async function readFanOutClaim(storage: Storage, msgId: string, partition: number): Promise<Map<string, number> | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.claims, Key: { claimId: fanOutClaimId(msgId, partition) }, ConsistentRead: true }));
  return result.Item ? seqMap(result.Item.seqs) : undefined;
}

const seqMap = (value: unknown): Map<string, number> => new Map(Object.entries((value ?? {}) as Record<string, unknown>).map(([userId, seq]) => [userId, Number(seq)]));

/**
 * Binds a partition's recipients to the seqs allocated for them, unless an earlier attempt did:
 * then answers with that attempt's seqs (`mine: false`).
 */
export async function claimFanOut(storage: Storage, msgId: string, partition: number, seqs: ReadonlyMap<string, number>): Promise<{ mine: boolean; seqs: Map<string, number> }> {
  const claim: FanOutClaim = { claimId: fanOutClaimId(msgId, partition), seqs: Object.fromEntries(seqs) };
  try {
    await storage.db.send(
      new PutCommand({
        TableName: storage.tables.claims,
        Item: claim,
        ConditionExpression: 'attribute_not_exists(claimId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { mine: true, seqs: new Map(seqs) };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return { mine: false, seqs: seqMap(itemOfConditionFailure<FanOutClaim>(error)?.seqs) };
  }
}

/** Moves one recipient of a fan-out claim from a seq that was closed to a new one; false when another attempt moved it first. */
export async function moveFanOutSeq(storage: Storage, msgId: string, partition: number, userId: string, from: number, to: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId: fanOutClaimId(msgId, partition) },
        UpdateExpression: 'SET seqs.#u = :to',
        ConditionExpression: 'seqs.#u = :from',
        ExpressionAttributeNames: { '#u': userId },
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}

/** Takes a recipient out of a fan-out claim (a user's erasure: the claim names them); nothing if there is no claim. */
export async function forgetFanOutRecipient(storage: Storage, msgId: string, partition: number, userId: string): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId: fanOutClaimId(msgId, partition) },
        UpdateExpression: 'REMOVE seqs.#u',
        ConditionExpression: 'attribute_exists(seqs.#u)',
        ExpressionAttributeNames: { '#u': userId },
      }),
    ),
  );
}

/** Where a group message's copy was put for a member: their partition's fan-out claim, else a delivery claim. */
export async function fanOutSeqOf(storage: Storage, msgId: string, partition: number, userId: string): Promise<number | undefined> {
  return (await readFanOutClaim(storage, msgId, partition))?.get(userId) ?? deliveredSeqOf(storage, userId, msgId);
}

// ---- Upload allowances ----------------------------------------------------------------------

/** An allowance outlives its day (and any clock difference) by a day, then TTL removes it. */
export const UPLOAD_ALLOWANCE_SECONDS = 2 * 24 * 60 * 60;

/**
 * Counts `bytes` against a user's uploads of one UTC day, unless that would take the day's total
 * over `limitBytes`: one conditional update, so concurrent requests can never overspend together.
 * True when counted.
 */
export async function reserveUploadBytes(storage: Storage, input: { userId: string; day: string; bytes: number; limitBytes: number; now: number }): Promise<boolean> {
  if (input.bytes > input.limitBytes) return false;
  try {
    await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId: uploadAllowanceId(input.userId, input.day) },
        UpdateExpression: 'ADD uploadedBytes :bytes, uploads :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
        ConditionExpression: 'attribute_not_exists(uploadedBytes) OR uploadedBytes <= :room',
        ExpressionAttributeValues: {
          ':bytes': input.bytes,
          ':one': 1,
          ':room': input.limitBytes - input.bytes,
          ':expiresAt': Math.floor(input.now / 1000) + UPLOAD_ALLOWANCE_SECONDS,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

// ---- Push claims ----------------------------------------------------------------------------

export const pushClaimId = (userId: string, deviceId: string, msgId: string): string => `push#${userId}#${deviceId}#${msgId}`;

/** Push claims outlive the notification queue's retention (1 day), so a late redelivery still finds them. */
export const PUSH_CLAIM_SECONDS = 2 * 24 * 60 * 60;

export type PushClaimResult = 'mine' | 'done' | 'busy';

/**
 * Takes the right to publish one notification to one device: `mine` for the first attempt, and for
 * a later one once an attempt that claimed it and did not finish has surely ended (`leaseMs`);
 * `done` once an attempt recorded the publish; `busy` while another attempt may still be running.
 */
export async function claimPush(storage: Storage, claimId: string, now: number, leaseMs: number): Promise<PushClaimResult> {
  try {
    await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.claims,
        Key: { claimId },
        UpdateExpression: 'SET #state = :publishing, claimedAt = :now, expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(claimId) OR (#state = :publishing AND claimedAt < :expired)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':publishing': 'publishing',
          ':now': now,
          ':expired': now - leaseMs,
          ':expiresAt': Math.floor(now / 1000) + PUSH_CLAIM_SECONDS,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'mine';
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return itemOfConditionFailure<{ state?: string }>(error)?.state === 'done' ? 'done' : 'busy';
  }
}

/** Records that the notification was published (or needs no publish: the device is gone). */
export async function completePush(storage: Storage, claimId: string): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.claims,
      Key: { claimId },
      UpdateExpression: 'SET #state = :done',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':done': 'done' },
    }),
  );
}

/** Whether a notification of this claim was published (a recall replaces only what reached the phone). */
export async function pushClaimDone(storage: Storage, claimId: string): Promise<boolean> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.claims, Key: { claimId } }));
  return result.Item?.state === 'done';
}

// ---- Attachment claims ----------------------------------------------------------------------

/**
 * Gives an upload to one message (`messageKey`: its sender and clientMsgId), in one conditional
 * write: of two sends naming the same upload at once, exactly one gets it, and a retry of the send
 * that got it gets it again. False when another message holds it. Kept as long as the message:
 * a recall deletes the bytes of its own upload only, never another message's.
 */
export async function claimAttachment(storage: Storage, attachmentId: string, messageKey: string, now: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.claims,
        Item: { claimId: attachmentClaimId(attachmentId), messageKey, ts: now },
        ConditionExpression: 'attribute_not_exists(claimId) OR messageKey = :key',
        ExpressionAttributeValues: { ':key': messageKey },
      }),
    ),
  );
}

// ---- Event claims ---------------------------------------------------------------------------

export const eventClaimId = (eventId: string): string => `event#${eventId}`;

/**
 * An event claim outlives every way its stream record can come back: the stream keeps records for
 * 24 hours and a batch is retried within that; a week also covers a replay of the on-failure
 * queue's records by an operator in the days after an outage.
 */
export const EVENT_CLAIM_SECONDS = 7 * 24 * 60 * 60;

/** Which of these events an earlier attempt recorded as published (strongly consistent: a retry comes right after). */
export async function publishedEvents(storage: Storage, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const items = await batchGetAll(storage.db, storage.tables.claims, [...new Set(eventIds)].map((eventId) => ({ claimId: eventClaimId(eventId) })), {
    consistent: true,
    projection: 'claimId',
  });
  return new Set(items.map((item) => String(item.claimId).slice('event#'.length)));
}

/**
 * Records that an event was put on the bus. Conditional, so an attempt learns when another one had
 * already recorded it (`false`): then the event went out twice, which the caller counts.
 */
export async function recordPublished(storage: Storage, eventId: string, now: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.claims,
        Item: { claimId: eventClaimId(eventId), publishedAt: now, expiresAt: Math.floor(now / 1000) + EVENT_CLAIM_SECONDS },
        ConditionExpression: 'attribute_not_exists(claimId)',
      }),
    ),
  );
}

// ---- Group request claims (POST /v1/groups with clientRequestId) -----------------------------

/** Fixes the id and creation time of the group one `POST /v1/groups` request creates; `done` once it exists. */
export interface GroupRequestClaim {
  claimId: string;
  conversationId: string;
  ts: number;
  expiresAt: number;
  done?: true;
}

/** Takes the claim, or answers the one a first attempt took (whose group id a retry completes). */
export async function claimGroupRequest(storage: Storage, claim: Omit<GroupRequestClaim, 'expiresAt' | 'done'>): Promise<GroupRequestClaim> {
  const item: GroupRequestClaim = { ...claim, expiresAt: Math.floor(claim.ts / 1000) + CLAIM_RETENTION_SECONDS };
  try {
    await storage.db.send(
      new PutCommand({ TableName: storage.tables.claims, Item: item, ConditionExpression: 'attribute_not_exists(claimId)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
    );
    return item;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const existing = itemOfConditionFailure<GroupRequestClaim>(error);
    if (!existing) throw new UnexpectedStorageStateError('condition failed without returning the claim', { cause: error });
    return existing;
  }
}

/** The group of the claim exists: later retries answer it without touching the group. */
export async function markGroupRequestDone(storage: Storage, claimId: string): Promise<void> {
  await storage.db.send(new UpdateCommand({ TableName: storage.tables.claims, Key: { claimId }, UpdateExpression: 'SET done = :yes', ExpressionAttributeValues: { ':yes': true } }));
}
