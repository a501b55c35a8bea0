import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReportReason } from '@serverless-im/protocol';
import { isConditionalCheckFailed, itemOfConditionFailure } from './conditions.js';
import type { Storage } from './storage.js';

/**
 * Reports of messages, for the company running the service: items of the Conversations table
 * under the partition `report#<conversationId>#<reporter>` with the reported message's cseq as
 * sort key, so one reporter reports one message once. A `#` occurs in no conversation id or user
 * id, and no path of the service reads these partitions: they are for the company (its console,
 * an export, and the Conversations stream, where an INSERT with `recordType = "report"` is a new
 * report: what a `message.reported` consumer filters on).
 */
export interface ReportRecord {
  /** `report#<conversationId>#<reporter>` */
  conversationId: string;
  /** The reported message's conversationSeq. */
  cseq: number;
  recordType: 'report';
  reportedConversationId: string;
  conversationSeq: number;
  msgId: string;
  /** The message's sender. */
  author: string;
  reporter: string;
  reason: ReportReason;
  reportedAt: number;
}

export const reportPartition = (conversationId: string, reporter: string): string => `report#${conversationId}#${reporter}`;

/** Stores a report once per reporter and message; a repeat answers the report stored first. */
export async function putReportOnce(storage: Storage, report: ReportRecord): Promise<{ stored: boolean; report: ReportRecord }> {
  try {
    await storage.db.send(
      new PutCommand({
        TableName: storage.tables.conversations,
        Item: { ...report },
        ConditionExpression: 'attribute_not_exists(conversationId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { stored: true, report };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return { stored: false, report: itemOfConditionFailure<ReportRecord>(error) ?? report };
  }
}
