import { repairDelivery } from '../delivery-repair/repair-delivery.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';
import { inStreamOrder } from '../runtime/stream-in-order.js';
import type { MessageRecord } from '../storage/conversations/index.js';
import { newImageOf } from '../storage/stream-records.js';

/**
 * A message younger than this may still be in its send (an attempt runs at most the send
 * function's timeout): the repair waits until then, so it normally finds the send finished.
 */
const MIN_AGE_MS = Number(process.env.DELIVERY_REPAIR_MIN_AGE_MS ?? 15_000);

/**
 * Reads the Conversations stream (new messages, by the mapping's filter, a batching window after
 * they were stored) and finishes the delivery of any whose send died after the commit point.
 */
export const handler = inStreamOrder(async (record) => {
  const image = record.eventName === 'INSERT' ? (newImageOf(record) as MessageRecord | undefined) : undefined;
  // Messages only (cseq 1, 2, ...): heads and change-log entries are not deliveries.
  if (!image?.msgId || !(image.cseq >= 1)) return;
  const wait = image.ts + MIN_AGE_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, MIN_AGE_MS)));
  const deps = { storage: storageFromEnv(), pusher: pusherFromEnv(), queue: jobQueueFromEnv(), clock: Date.now, attemptMs: 0, checkpoint: runtimeCheckpoint() };
  const outcome = await repairDelivery(deps, image);
  if (outcome === 'repaired') {
    metrics.addMetric('DeliveriesRepaired', MetricUnit.Count, 1);
    logger.warn('finished the delivery of a stored message whose send had stopped', { msgId: image.msgId, conversationId: image.conversationId, conversationSeq: image.cseq });
  }
}, 'repairing a delivery failed; the stream retries from this record');
