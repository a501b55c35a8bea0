import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { JobsRefusedError } from './errors.js';
import { chunks, type Envelope } from './jobs.js';

/** The group fan-out queue (SQS FIFO). */
export interface JobQueue {
  client: SQSClient;
  queueUrl: string;
}

/** Enqueues jobs ten at a time (SendMessageBatch); entries SQS refuses are retried, then reported. */
export async function enqueueJobs(queue: JobQueue, envelopes: readonly Envelope[]): Promise<void> {
  for (const batch of chunks(envelopes, 10)) {
    let entries: SendMessageBatchRequestEntry[] = batch.map((envelope, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(envelope.job),
      MessageGroupId: envelope.groupId,
      MessageDeduplicationId: envelope.deduplicationId,
    }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      const result = await queue.client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      if (failed.size > 0 && attempt >= 4) {
        throw new JobsRefusedError(result.Failed ?? []);
      }
      entries = entries.filter((entry) => failed.has(entry.Id));
      if (entries.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
