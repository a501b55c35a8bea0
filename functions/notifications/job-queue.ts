import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { NotificationJobsRefusedError } from './errors.js';
import type { NotificationEnvelope } from './jobs.js';

/** The notification queue (SQS FIFO). */
export interface NotificationQueue {
  client: SQSClient;
  queueUrl: string;
}

/**
 * Splits envelopes, in order, into SendMessageBatch requests of up to ten with at most one job per
 * FIFO group: a request SQS refuses in part is retried for its refused entries only, and since no
 * other entry of their groups is in it, a group's jobs still reach the queue in order.
 */
export function requestsOf(envelopes: readonly NotificationEnvelope[]): { start: number; envelopes: NotificationEnvelope[] }[] {
  const requests: { start: number; envelopes: NotificationEnvelope[] }[] = [];
  let current: { start: number; envelopes: NotificationEnvelope[] } | undefined;
  let groups = new Set<string>();
  envelopes.forEach((envelope, index) => {
    if (!current || current.envelopes.length === 10 || groups.has(envelope.groupId)) {
      current = { start: index, envelopes: [] };
      groups = new Set();
      requests.push(current);
    }
    current.envelopes.push(envelope);
    groups.add(envelope.groupId);
  });
  return requests;
}

/**
 * Enqueues jobs in order (see `requestsOf`); entries SQS refuses are retried, then reported. On
 * failure the error says how many of the first envelopes are surely on the queue (`enqueued`), so
 * a caller batching several sources' jobs knows which sources are done.
 */
export async function enqueueNotifications(queue: NotificationQueue, envelopes: readonly NotificationEnvelope[]): Promise<void> {
  for (const request of requestsOf(envelopes)) {
    let entries: SendMessageBatchRequestEntry[] = request.envelopes.map((envelope, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(envelope.job),
      MessageGroupId: envelope.groupId,
      MessageDeduplicationId: envelope.deduplicationId,
    }));
    try {
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await queue.client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
        if (failed.size > 0 && attempt >= 4) throw new NotificationJobsRefusedError(result.Failed ?? [], request.start + Math.min(...[...failed].map(Number)));
        entries = entries.filter((entry) => failed.has(entry.Id));
        if (entries.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    } catch (error) {
      if (error instanceof NotificationJobsRefusedError) throw error;
      throw new NotificationJobsRefusedError([], request.start, error);
    }
  }
}
