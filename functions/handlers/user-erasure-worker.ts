import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { type ErasureDeps, runErasureSlice } from '../erasure/erase-user.js';
import { userHashOf } from '../erasure/erasure-ids.js';
import { type ErasureJob, type ErasureQueue, queueErasureSlice } from '../erasure/start-erasure.js';
import { groupSettingsFromEnv } from '../membership/group-settings.js';
import { changeSettingsFromEnv } from '../message-changes/change-settings.js';
import { deleteRecalledAttachment } from '../message-changes/on-recalled.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { requiredEnv } from '../platform/env.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { createConnectionCloser } from '../push/connection-closer.js';
import { attachmentObjectsFromEnv, jobQueueFromEnv, pushServiceFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';
import { countErasureSlice } from '../storage/user-erasure.js';

/** A slice stops taking pages with this much of the function's time left (a page takes seconds at most). */
const RESERVE_MS = 20_000;

let queue: ErasureQueue | undefined;
const groupSettings = groupSettingsFromEnv();
const changeSettings = changeSettingsFromEnv();

/**
 * The erasure worker: one SQS FIFO message is one slice of one user's erasure job
 * (functions/erasure/erase-user.ts). An unfinished job queues its next slice; a slice that
 * fails (a crash, a timeout) is received again and goes on from the position saved on the record.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  queue ??= { client: new SQSClient({}), queueUrl: requiredEnv('ERASURE_QUEUE_URL') };
  const storage = storageFromEnv();
  const checkpoint = runtimeCheckpoint();
  try {
    for (const record of event.Records) {
      const { userId } = JSON.parse(record.body) as ErasureJob;
      const deps: ErasureDeps = {
        storage,
        closer: createConnectionCloser(requiredEnv('MANAGEMENT_API_URL')),
        deleteEndpoint: (arn) => pushServiceFromEnv().deleteEndpoint(arn),
        attachments: attachmentObjectsFromEnv,
        membership: { storage, queue: jobQueueFromEnv(), pusher: pusherFromEnv(), settings: groupSettings, clock: Date.now, checkpoint },
        change: { storage, pusher: pusherFromEnv(), queue: jobQueueFromEnv, clock: Date.now, settings: changeSettings, checkpoint, onRecalled: deleteRecalledAttachment(attachmentObjectsFromEnv) },
        clock: Date.now,
        checkpoint,
        hasTime: () => context.getRemainingTimeInMillis() > RESERVE_MS,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      };
      const outcome = await runErasureSlice(deps, userId);
      const userHash = userHashOf(userId);
      if (outcome === 'more') {
        const slice = await countErasureSlice(storage, userHash);
        await queueErasureSlice(queue, userId, `slice-${slice}`);
        logger.info('erasure continues', { userHash, slice });
      } else {
        metrics.addMetric('UsersErased', MetricUnit.Count, 1);
        logger.info('erasure done', { userHash });
      }
    }
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
