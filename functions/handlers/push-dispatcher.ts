import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { enqueueNotifications } from '../notifications/job-queue.js';
import { jobsOfImage } from '../notifications/dispatch.js';
import type { NotificationEnvelope } from '../notifications/jobs.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { notificationQueueFromEnv } from '../runtime/instance.js';
import { newImageOf } from '../storage/stream-records.js';

const largeGroups = process.env.PUSH_LARGE_GROUPS === 'all' ? 'all' : 'mentions';

/**
 * Reads the Timelines and Conversations streams (new messages and recalls, by the mappings' filters) and
 * enqueues their notification jobs. A record counts as done once its jobs are on the queue; when
 * enqueueing fails, the batch reports the first record not done, and Lambda retries from there
 * (the queue's deduplication ids make a re-enqueued job count once).
 */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  const records = event.Records ?? [];
  let done = 0;
  try {
    for (; done < records.length; done++) {
      const record = records[done]!;
      const eventName = record.eventName === 'INSERT' || record.eventName === 'MODIFY' ? record.eventName : undefined;
      const image = eventName ? newImageOf(record) : undefined;
      const envelopes: NotificationEnvelope[] = image && eventName ? jobsOfImage(image, largeGroups, eventName) : [];
      if (envelopes.length > 0) {
        await enqueueNotifications(notificationQueueFromEnv(), envelopes);
        metrics.addMetric('PushJobsDispatched', MetricUnit.Count, envelopes.length);
      }
    }
    return { batchItemFailures: [] };
  } catch (error) {
    logger.warn('dispatching notifications failed; the stream retries from this record', { error: (error as Error).message });
    return { batchItemFailures: [{ itemIdentifier: records[done]!.dynamodb!.SequenceNumber! }] };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
