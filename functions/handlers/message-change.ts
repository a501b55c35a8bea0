import { editRequest, reactRequest, recallRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import { changeMessage, type ChangeDeps } from '../message-changes/change-message.js';
import { changeSettingsFromEnv } from '../message-changes/change-settings.js';
import type { MessageChange } from '../message-changes/next-state.js';
import { moderatorFromEnv } from '../moderation/moderator-from-env.js';
import { deleteRecalledAttachment } from '../message-changes/on-recalled.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { actionHandler } from '../runtime/action-handler.js';
import { attachmentObjectsFromEnv, jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

const settings = changeSettingsFromEnv();

const schema = z.discriminatedUnion('action', [editRequest, recallRequest, reactRequest]);

const deps = async (): Promise<ChangeDeps> => ({
  storage: storageFromEnv(),
  pusher: pusherFromEnv(),
  queue: jobQueueFromEnv,
  clock: Date.now,
  settings,
  checkpoint: runtimeCheckpoint(),
  onRecalled: deleteRecalledAttachment(attachmentObjectsFromEnv),
  moderate: await moderatorFromEnv('websocket'),
});

/** `edit`, `recall`, `react`: one function, one schema per action, one way to change a stored message. */
export const handler = actionHandler({
  action: 'message-change',
  schema,
  async run(input, { caller }) {
    const change: MessageChange =
      input.action === 'edit' ? { kind: 'edit', body: input.body } : input.action === 'recall' ? { kind: 'recall' } : { kind: 'react', emoji: input.emoji, on: input.on };
    const result = await changeMessage(await deps(), { actor: caller, conversationId: input.conversationId, conversationSeq: input.conversationSeq, change });
    metrics.addMetric('MessagesChanged', MetricUnit.Count, 1);
    logger.info('message changed', { action: input.action, conversationId: input.conversationId, conversationSeq: input.conversationSeq, version: result.message.version ?? 1 });
    return result;
  },
});
