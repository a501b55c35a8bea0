import type { ReportReason, ReportResult } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { requireMember } from '../membership/require-member.js';
import { getMessage } from '../storage/conversations/index.js';
import { putReportOnce, reportPartition } from '../storage/reports.js';
import type { Storage } from '../storage/storage.js';

export interface ReportInput {
  reporter: string;
  conversationId: string;
  conversationSeq: number;
  reason: ReportReason;
}

/**
 * `report`: a member reports a message of the conversation. The report records the message's id
 * and author (not its content: the company reads that from the conversation, and a recall removes
 * it there as everywhere); a recalled message can still be reported.
 */
export async function reportMessage(storage: Storage, input: ReportInput, now: number): Promise<ReportResult> {
  const conversation = await requireMember(storage, input.reporter, input.conversationId);
  const message = await getMessage(storage, conversation.id, input.conversationSeq);
  if (!message) throw new NotFoundError('conversationSeq: no such message');
  const { stored, report } = await putReportOnce(storage, {
    conversationId: reportPartition(conversation.id, input.reporter),
    cseq: input.conversationSeq,
    recordType: 'report',
    reportedConversationId: conversation.id,
    conversationSeq: input.conversationSeq,
    msgId: message.msgId,
    author: message.from,
    reporter: input.reporter,
    reason: input.reason,
    reportedAt: now,
  });
  return { reportedAt: Number(report.reportedAt), reason: report.reason, alreadyReported: !stored };
}
