import { postMessage } from '@serverless-im/protocol/server-api';
import { moderatorFromEnv } from '../../moderation/moderator-from-env.js';
import { runtimeCheckpoint } from '../../platform/checkpoints.js';
import { requiredEnv } from '../../platform/env.js';
import { logger, metrics, MetricUnit } from '../../platform/observability.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { attachmentObjectsFromEnv, jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../../runtime/instance.js';
import { sendAsUser } from '../../server-api/send-as-user.js';

const attemptMs = Number(requiredEnv('SEND_ATTEMPT_MAX_MS'));

/** `POST /v1/messages`: the WebSocket `send` on behalf of `from`. */
export const handler = httpRouteHandler(postMessage, async ({ body }) => {
  const deps = { storage: storageFromEnv(), pusher: pusherFromEnv(), queue: jobQueueFromEnv, attachments: attachmentObjectsFromEnv, clock: Date.now, attemptMs, checkpoint: runtimeCheckpoint(), moderate: await moderatorFromEnv('serverApi') };
  const reply = await sendAsUser(deps, body);
  metrics.addMetric('MessagesSent', MetricUnit.Count, 1);
  logger.info('message sent', { msgId: reply.msgId, conversationId: reply.conversationId, conversationSeq: reply.conversationSeq });
  return reply;
});
