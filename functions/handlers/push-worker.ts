import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { NotificationJob } from '../notifications/jobs.js';
import { runNotificationJob } from '../notifications/run-job.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { requiredEnv } from '../platform/env.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { notificationQueueFromEnv, pushServiceFromEnv, storageFromEnv } from '../runtime/instance.js';

const processor = new SqsFifoPartialProcessorAsync();
const preview = (['full', 'sender', 'none'] as const).find((mode) => mode === process.env.PUSH_PREVIEW) ?? 'full';
const largeGroups = process.env.PUSH_LARGE_GROUPS === 'all' ? 'all' : 'mentions';
const claimLeaseMs = Number(requiredEnv('PUSH_CLAIM_LEASE_MS'));

async function handleRecord(record: SQSRecord): Promise<void> {
  const job = JSON.parse(record.body) as NotificationJob;
  try {
    const outcome = await runNotificationJob(
      {
        storage: storageFromEnv(),
        push: pushServiceFromEnv(),
        queue: notificationQueueFromEnv(),
        clock: Date.now,
        checkpoint: runtimeCheckpoint(),
        preview,
        largeGroups,
        claimLeaseMs,
      },
      job,
    );
    if (outcome.published > 0) metrics.addMetric('PushesPublished', MetricUnit.Count, outcome.published);
    if (outcome.skipped) metrics.addMetric('PushesSkipped', MetricUnit.Count, 1);
    if (outcome.gone > 0) metrics.addMetric('PushEndpointsRemoved', MetricUnit.Count, outcome.gone);
  } catch (error) {
    metrics.addMetric('PushesFailed', MetricUnit.Count, 1);
    logger.warn('notification job failed; SQS will deliver it again', {
      kind: job.kind,
      conversationId: job.conversationId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
      error: (error as Error).message,
    });
    throw error;
  }
}

/**
 * Notification worker (SQS FIFO event source, partial batch responses): a failed job fails only
 * itself and the later jobs of its user, which stay behind it in order.
 */
export async function handler(event: SQSEvent, context: Context) {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleRecord, processor, { context, skipGroupOnError: true });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
