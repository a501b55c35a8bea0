import { confirmAttached } from '../attachments/confirm-attached.js';
import { metrics, MetricUnit } from '../platform/observability.js';
import { attachmentObjectsFromEnv } from '../runtime/instance.js';
import { inStreamOrder } from '../runtime/stream-in-order.js';
import { newImageOf } from '../storage/stream-records.js';

/**
 * Reads the Conversations stream (new messages with an attachment body, by the mapping's filter)
 * and tags each one's upload `attached`. A failed record is retried until it succeeds or leaves
 * the stream (24 hours); the iterator-age alarm watches the delay.
 */
export const handler = inStreamOrder(async (record) => {
  const image = record.eventName === 'INSERT' ? newImageOf(record) : undefined;
  if (image && (await confirmAttached(attachmentObjectsFromEnv(), image)) === 'attached') metrics.addMetric('AttachmentsConfirmed', MetricUnit.Count, 1);
}, 'tagging an attachment attached failed; the stream retries from this record');
