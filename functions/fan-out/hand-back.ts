import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { JobQueue } from './job-queue.js';

/**
 * Makes the jobs an invocation deferred for lack of time visible again at once. Reported as failed
 * they would otherwise wait out the queue's visibility timeout (six times the worker's timeout)
 * before another invocation takes them. The jobs skipped behind a deferred one in its message
 * group go back too: they were never tried. A job that really failed keeps the visibility timeout
 * as its backoff. Best effort: a job this misses still comes back, only later.
 */
export async function handBackDeferred(
  queue: JobQueue,
  records: readonly SQSRecord[],
  failedIds: ReadonlySet<string>,
  deferredGroups: ReadonlySet<string>,
): Promise<number> {
  const entries = recordsToHandBack(records, failedIds, deferredGroups).map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 }));
  let handedBack = 0;
  for (let start = 0; start < entries.length; start += 10) {
    const result = await queue.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries.slice(start, start + 10) }));
    handedBack += result.Successful?.length ?? 0;
  }
  return handedBack;
}

/** The failed records of groups whose first failure was a deferral (a group stops at its first failure). */
export function recordsToHandBack(records: readonly SQSRecord[], failedIds: ReadonlySet<string>, deferredGroups: ReadonlySet<string>): SQSRecord[] {
  return records.filter((record) => failedIds.has(record.messageId) && deferredGroups.has(groupOf(record)));
}

export const groupOf = (record: SQSRecord): string => record.attributes.MessageGroupId ?? record.messageId;
