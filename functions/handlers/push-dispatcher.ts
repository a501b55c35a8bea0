import { enqueueNotifications } from '../notifications/job-queue.js';
import { jobsOfImage } from '../notifications/dispatch.js';
import { metrics, MetricUnit } from '../platform/observability.js';
import { notificationQueueFromEnv } from '../runtime/instance.js';
import { inStreamOrder } from '../runtime/stream-in-order.js';
import { newImageOf } from '../storage/stream-records.js';

const largeGroups = process.env.PUSH_LARGE_GROUPS === 'all' ? 'all' : 'mentions';

/**
 * Reads the Timelines and Conversations streams (new messages and recalls, by the mappings'
 * filters) and enqueues their notification jobs. A record counts as done once its jobs are on the
 * queue; the queue's deduplication ids make a job re-enqueued by a retried batch count once.
 */
export const handler = inStreamOrder(async (record) => {
  const eventName = record.eventName === 'INSERT' || record.eventName === 'MODIFY' ? record.eventName : undefined;
  const image = eventName ? newImageOf(record) : undefined;
  const envelopes = image && eventName ? jobsOfImage(image, largeGroups, eventName) : [];
  if (envelopes.length === 0) return;
  await enqueueNotifications(notificationQueueFromEnv(), envelopes);
  metrics.addMetric('PushJobsDispatched', MetricUnit.Count, envelopes.length);
}, 'dispatching notifications failed; the stream retries from this record');
