import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { NotificationJobsRefusedError } from '../notifications/errors.js';
import { enqueueNotifications } from '../notifications/job-queue.js';
import { jobsOfImage } from '../notifications/dispatch.js';
import type { NotificationEnvelope } from '../notifications/jobs.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { notificationQueueFromEnv } from '../runtime/instance.js';
import { newImageOf } from '../storage/stream-records.js';

const largeGroups = process.env.PUSH_LARGE_GROUPS === 'all' ? 'all' : 'mentions';

/**
 * Reads the Timelines and Conversations streams (new messages and recalls, by the mappings'
 * filters) and enqueues their notification jobs: all of a batch's jobs together, in stream order,
 * ten to a request (one request per record cost a message its own SQS request). A record counts as
 * done once all its jobs are on the queue; when enqueueing stops, the first record with a job not
 * surely enqueued is reported, so Lambda retries from it in order, and the queue's deduplication
 * ids make a job enqueued twice count once.
 */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  const records = event.Records ?? [];
  const envelopes: NotificationEnvelope[] = [];
  // For each envelope, the record it came from.
  const sources: number[] = [];
  records.forEach((record, index) => {
    const eventName = record.eventName === 'INSERT' || record.eventName === 'MODIFY' ? record.eventName : undefined;
    const image = eventName ? newImageOf(record) : undefined;
    for (const envelope of image && eventName ? jobsOfImage(image, largeGroups, eventName) : []) {
      envelopes.push(envelope);
      sources.push(index);
    }
  });
  try {
    if (envelopes.length > 0) await enqueueNotifications(notificationQueueFromEnv(), envelopes);
    if (envelopes.length > 0) metrics.addMetric('PushJobsDispatched', MetricUnit.Count, envelopes.length);
    return { batchItemFailures: [] };
  } catch (error) {
    const enqueued = error instanceof NotificationJobsRefusedError ? error.enqueued : 0;
    const first = records[sources[enqueued] ?? 0]!;
    logger.warn('dispatching notifications failed; the stream retries from this record', { error: (error as Error).message, enqueued });
    return { batchItemFailures: [{ itemIdentifier: first.dynamodb!.SequenceNumber! }] };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
