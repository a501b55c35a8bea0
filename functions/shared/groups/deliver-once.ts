import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, type Storage, writeIfConditionHolds } from '../storage/tables.js';
import type { TimelineRecord } from '../timeline/timeline-records.js';
import { allocateSeq, putAtSeq, voidSeq } from '../timeline/timeline-store.js';

/** Delivery claims outlive any redelivery: SQS keeps a fan-out job at most 4 days. */
const DELIVERY_CLAIM_SECONDS = 5 * 24 * 60 * 60;

interface DeliveryClaim {
  claimId: string;
  seq: number;
  expiresAt: number;
}

const deliveryClaimId = (userId: string, itemKey: string): string => `delivery:${userId}:${itemKey}`;

/** Binds (user, content) to a seq, unless an earlier attempt did: then returns that attempt's seq. */
async function claimDelivery(storage: Storage, userId: string, itemKey: string, seq: number, now: number): Promise<{ mine: boolean; seq: number }> {
  const claim: DeliveryClaim = { claimId: deliveryClaimId(userId, itemKey), seq, expiresAt: Math.floor(now / 1000) + DELIVERY_CLAIM_SECONDS };
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

async function moveClaim(storage: Storage, userId: string, itemKey: string, from: number, to: number): Promise<void> {
  await writeIfConditionHolds(() =>
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
 * Puts `record` into the user's timeline exactly once, however often and however concurrently
 * the same delivery runs (SQS redelivery, a retried send enqueueing again). Three writes: the seq
 * allocation, a claim binding (user, content) to that seq, and the item. An attempt that loses
 * the claim closes its own seq at once (a `void`, so readers never wait on it) and makes sure the
 * item is at the winner's seq, which also finishes the winner's work if it died.
 */
export async function deliverOnce(
  storage: Storage,
  record: Omit<TimelineRecord, 'seq'>,
  now: number,
  afterAllocate: () => Promise<void> = async () => undefined,
): Promise<number> {
  const allocated = await allocateSeq(storage, record.userId, now);
  await afterAllocate();
  const claim = await claimDelivery(storage, record.userId, record.itemKey, allocated, now);
  if (!claim.mine) await voidSeq(storage, record.userId, allocated, now);
  let seq = claim.seq;
  for (;;) {
    if ((await putAtSeq(storage, { ...record, seq } as TimelineRecord)) === 'written') return seq;
    // The claimed seq was closed by a reader: its writer was presumed dead long ago. Move on.
    const next = await allocateSeq(storage, record.userId, now);
    await moveClaim(storage, record.userId, record.itemKey, seq, next);
    seq = next;
  }
}
