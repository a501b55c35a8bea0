import { sendRequest } from '@serverless-im/protocol';
import { moderatorFromEnv } from '../moderation/moderator-from-env.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { requiredEnv } from '../platform/env.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { actionHandler } from '../runtime/action-handler.js';
import { attachmentObjectsFromEnv, jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';
import { sendTo } from '../send/send-to.js';

const attemptMs = Number(requiredEnv('SEND_ATTEMPT_MAX_MS'));

/** `send`: stores a message durably for the sender, delivers it, and replies with its position. */
export const handler = actionHandler({
  action: 'send',
  schema: sendRequest,
  async run(input, { caller }) {
    const deps = { storage: storageFromEnv(), pusher: pusherFromEnv(), queue: jobQueueFromEnv, attachments: attachmentObjectsFromEnv, clock: Date.now, attemptMs, checkpoint: runtimeCheckpoint(), moderate: await moderatorFromEnv('websocket') };
    const reply = await sendTo(deps, { ...input, sender: caller });
    metrics.addMetric('MessagesSent', MetricUnit.Count, 1);
    logger.info('message sent', { msgId: reply.msgId, conversationId: reply.conversationId, conversationSeq: reply.conversationSeq });
    return reply;
  },
});
