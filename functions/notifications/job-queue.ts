import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { NotificationJobsRefusedError } from './errors.js';
import type { NotificationEnvelope } from './jobs.js';

/** The notification queue (SQS FIFO). */
export interface NotificationQueue {
  client: SQSClient;
  queueUrl: string;
}

/** Enqueues jobs ten at a time; entries SQS refuses are retried, then reported. */
export async function enqueueNotifications(queue: NotificationQueue, envelopes: readonly NotificationEnvelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += 10) {
    let entries: SendMessageBatchRequestEntry[] = envelopes.slice(start, start + 10).map((envelope, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(envelope.job),
      MessageGroupId: envelope.groupId,
      MessageDeduplicationId: envelope.deduplicationId,
    }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      const result = await queue.client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      if (failed.size > 0 && attempt >= 4) throw new NotificationJobsRefusedError(result.Failed ?? []);
      entries = entries.filter((entry) => failed.has(entry.Id));
      if (entries.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
