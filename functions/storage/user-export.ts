import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Message } from '@serverless-im/protocol';
import { LAST_MESSAGE_CSEQ } from './conversations/blocks.js';
import { fromMessageRecord, type MessageRecord } from './conversations/records.js';
import { queryAll } from './query.js';
import { type ReportRecord, reportPartition } from './reports.js';
import type { Storage } from './storage.js';

/**
 * The reads of `GET /v1/users/{id}/export` that no other path makes (functions/server-api/export-user.ts).
 * Each is a Query of one partition, paged: never a Scan.
 */

/** One page of a conversation's messages after `after`, ascending, strongly consistent (gaps are not cut: the export reads what is stored). */
export async function messagesPageAfter(storage: Storage, conversationId: string, after: number, limit: number): Promise<{ items: Message[]; more: boolean }> {
  if (after >= LAST_MESSAGE_CSEQ) return { items: [], more: false };
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':c': conversationId, ':first': after + 1, ':last': LAST_MESSAGE_CSEQ },
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  const items = ((result.Items ?? []) as MessageRecord[]).filter((record) => typeof record.msgId === 'string').map(fromMessageRecord);
  return { items, more: result.LastEvaluatedKey !== undefined };
}

/** The reports `reporter` filed in one conversation (one query of its report partition; one item per reported message). */
export const reportsIn = (storage: Storage, conversationId: string, reporter: string): Promise<ReportRecord[]> =>
  queryAll<ReportRecord>(storage, {
    TableName: storage.tables.conversations,
    KeyConditionExpression: 'conversationId = :p',
    ExpressionAttributeValues: { ':p': reportPartition(conversationId, reporter) },
  });
