import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ProtocolError } from '../protocol/errors.js';
import { isConditionalCheckFailed, itemOfConditionFailure, type Storage } from '../storage/tables.js';

/** Sends a user may make per minute, all devices together (SEND_LIMIT_PER_MINUTE overrides). */
export const SEND_LIMIT_PER_MINUTE = Number(process.env.SEND_LIMIT_PER_MINUTE ?? 60);

export const rateLimited = (): ProtocolError => new ProtocolError('RATE_LIMITED', 'too many messages; retry in a moment');

/** `sendMark` = minute × WINDOW + sends in that minute: one number, so one condition checks both. */
const WINDOW = 1_000_000;

/**
 * Counts a send in the user's current one-minute window, on the user's timeline head. When the
 * send also allocates the sender's seq (`allocate`), both happen in the one write the send makes
 * anyway, so the limit costs nothing extra (a second write only for the first send of a minute).
 * Returns the allocated seq, or undefined without `allocate`; throws RATE_LIMITED over the limit.
 */
export async function countSend(storage: Storage, userId: string, now: number, allocate: boolean): Promise<number | undefined> {
  const base = Math.floor(now / 60_000) * WINDOW;
  const allocation = allocate ? { add: 'latest :one', set: 'latestAt = :now' } : undefined;
  const update = (add: string[], set: string[], condition: string, values: Record<string, number>) =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.timelines,
        Key: { userId, seq: 0 },
        UpdateExpression: [add.length > 0 ? `ADD ${add.join(', ')}` : '', set.length > 0 ? `SET ${set.join(', ')}` : ''].join(' ').trim(),
        ConditionExpression: condition,
        ExpressionAttributeValues: { ...values, ...(allocate ? { ':one': 1, ':now': now } : {}) },
        ReturnValues: 'UPDATED_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // The usual case: a send within the current minute, under the limit.
      const result = await update(
        [...(allocation ? [allocation.add] : []), 'sendMark :one'],
        allocation ? [allocation.set] : [],
        'sendMark BETWEEN :base AND :top',
        { ':one': 1, ':base': base, ':top': base + SEND_LIMIT_PER_MINUTE - 1 },
      );
      return allocate ? Number(result.Attributes?.latest) : undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const mark = Number(itemOfConditionFailure<{ sendMark?: number }>(error)?.sendMark ?? 0);
      if (mark >= base + SEND_LIMIT_PER_MINUTE) throw rateLimited();
    }
    try {
      // The first send of a new minute starts its window.
      const result = await update(
        allocation ? [allocation.add] : [],
        [...(allocation ? [allocation.set] : []), 'sendMark = :first'],
        'attribute_not_exists(sendMark) OR sendMark < :base',
        { ':first': base + 1, ':base': base },
      );
      return allocate ? Number(result.Attributes?.latest) : undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Another send opened the window first: count this one in it.
    }
  }
  throw rateLimited();
}
