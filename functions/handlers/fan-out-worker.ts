import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchTimeBudget } from '../fan-out/batch-time-budget.js';
import { JobDeferredError } from '../fan-out/errors.js';
import { groupOf, handBackDeferred } from '../fan-out/hand-back.js';
import type { FanOutJob } from '../fan-out/jobs.js';
import { runFanOutJobToEnd } from '../fan-out/run-job.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

const processor = new SqsFifoPartialProcessorAsync();

async function handleRecord(record: SQSRecord, budget: BatchTimeBudget, deferredGroups: Set<string>): Promise<void> {
  const job = JSON.parse(record.body) as FanOutJob;
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? 1);
  try {
    await budget.run(() =>
      runFanOutJobToEnd(
        { storage: storageFromEnv(), pusher: pusherFromEnv(), queue: jobQueueFromEnv(), clock: Date.now, checkpoint: runtimeCheckpoint() },
        job,
      ),
    );
    metrics.addMetric('FanOutJobsDone', MetricUnit.Count, 1);
    const sentAt = Number(record.attributes.SentTimestamp);
    if (sentAt > 0) metrics.addMetric('FanOutLagMs', MetricUnit.Milliseconds, Date.now() - sentAt);
  } catch (error) {
    if (error instanceof JobDeferredError) {
      deferredGroups.add(groupOf(record));
      metrics.addMetric('FanOutJobsDeferred', MetricUnit.Count, 1);
      logger.info('fan-out job deferred to a later invocation', { kind: job.kind, conversationId: job.conversationId, receiveCount, remainingMs: error.remainingMs });
      throw error;
    }
    metrics.addMetric('FanOutJobsFailed', MetricUnit.Count, 1);
    logger.warn('fan-out job failed; SQS will deliver it again', { kind: job.kind, conversationId: job.conversationId, receiveCount, error: (error as Error).message });
    throw error;
  }
}

/**
 * Fan-out worker (SQS FIFO event source, partial batch responses). A failed job fails only itself
 * and the later jobs of its own message group (which must stay behind it, in order); every other
 * group of the batch goes on. Jobs start only while the invocation has time for them
 * (`batch-time-budget.ts`): a batch cut off by the timeout would acknowledge nothing. Deferred jobs
 * are handed back to the queue at once (`hand-back.ts`).
 */
export async function handler(event: SQSEvent, context: Context) {
  logger.addContext(context);
  try {
    const budget = new BatchTimeBudget(() => context.getRemainingTimeInMillis());
    const deferredGroups = new Set<string>();
    const response = await processPartialResponse(event, (record: SQSRecord) => handleRecord(record, budget, deferredGroups), processor, {
      context,
      skipGroupOnError: true,
    });
    if (deferredGroups.size > 0) {
      const failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      try {
        const handedBack = await handBackDeferred(jobQueueFromEnv(), event.Records, failedIds, deferredGroups);
        logger.info('deferred fan-out jobs handed back to the queue', { handedBack });
      } catch (error) {
        logger.warn('handing deferred jobs back failed; they return after the visibility timeout', { error: (error as Error).message });
      }
    }
    return response;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
