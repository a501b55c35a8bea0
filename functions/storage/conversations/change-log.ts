import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../conditions.js';
import { ConversationBusyError } from '../errors.js';
import type { Storage } from '../storage.js';
import { changeLogCseq, type ChangeRecord } from './records.js';

/**
 * The conversation's change log (items at cseq -1, -2, ...): one entry per change of a message
 * (edit, recall, reaction), so a member catching up with `syncConversation` learns of changes to
 * messages it already holds. Like messages, an entry's conditional put is its allocation, so the
 * log has no holes.
 */

/** The newest change position (0 when nothing changed yet). The newest entry has the lowest cseq. */
export async function latestChangePosition(storage: Storage, conversationId: string, consistent = false): Promise<number> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq < :zero',
      ExpressionAttributeValues: { ':c': conversationId, ':zero': 0 },
      ScanIndexForward: true,
      Limit: 1,
      ConsistentRead: consistent,
      ProjectionExpression: 'cseq',
    }),
  );
  const newest = result.Items?.[0]?.cseq;
  return newest === undefined ? 0 : -Number(newest);
}

/** Appends an entry at the next change position and returns the position. */
export async function appendChange(storage: Storage, change: Omit<ChangeRecord, 'cseq'>): Promise<number> {
  let position = (await latestChangePosition(storage, change.conversationId)) + 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await storage.db.send(
        new PutCommand({
          TableName: storage.tables.conversations,
          Item: { ...change, cseq: changeLogCseq(position) } satisfies ChangeRecord,
          ConditionExpression: 'attribute_not_exists(cseq)',
        }),
      );
      return position;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      position = (await latestChangePosition(storage, change.conversationId, true)) + 1;
    }
  }
  throw new ConversationBusyError(change.conversationId);
}

/** The entries at positions after `after`, oldest first, contiguous (cut at a gap a lagging read may show). */
export async function changesAfter(storage: Storage, conversationId: string, after: number, limit: number): Promise<(ChangeRecord & { position: number })[]> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :oldest AND :first',
      ExpressionAttributeValues: { ':c': conversationId, ':oldest': changeLogCseq(after + limit), ':first': changeLogCseq(after + 1) },
      // Descending cseq is ascending position.
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  const entries: (ChangeRecord & { position: number })[] = [];
  let expected = after + 1;
  for (const item of (result.Items ?? []) as ChangeRecord[]) {
    const position = -item.cseq;
    if (position !== expected) break;
    entries.push({ ...item, position });
    expected++;
  }
  return entries;
}
