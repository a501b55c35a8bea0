import * as z from 'zod';
import { noCheckpoint } from '../shared/messaging/checkpoints.js';
import { conversationIdSchema, peerOf } from '../shared/messaging/conversation-id.js';
import { bodySchema } from '../shared/messaging/message.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { sendDirectMessage } from '../shared/messaging/send-direct-message.js';
import { ProtocolError } from '../shared/protocol/errors.js';
import { requestIdSchema, userIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { requiredEnv } from '../shared/runtime/env.js';
import { pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';
import { logger, metrics, MetricUnit } from '../shared/runtime/observability.js';

const sendSchema = z
  .strictObject({
    action: z.literal('send'),
    id: requestIdSchema,
    clientMsgId: z.string().min(1).max(64),
    to: userIdSchema.optional(),
    conversationId: conversationIdSchema.optional(),
    body: bodySchema,
  })
  .refine((frame) => (frame.to === undefined) !== (frame.conversationId === undefined), {
    message: 'exactly one of "to" and "conversationId" is required',
    path: ['to'],
  });

const attemptMs = Number(requiredEnv('SEND_ATTEMPT_MAX_MS'));

/** `send`: stores a message durably for the sender, delivers it, and replies with its position. */
export const handler = actionHandler({
  action: 'send',
  schema: sendSchema,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    let to = input.to;
    if (input.conversationId !== undefined) {
      const conversation = await requireMember(storage, caller.userId, input.conversationId);
      if (conversation.kind !== 'direct') throw new ProtocolError('NOT_FOUND', 'group messaging is not available yet');
      to = peerOf(conversation, caller.userId);
    }
    const reply = await sendDirectMessage(
      { storage, pusher: pusherFromEnv(), clock: Date.now, attemptMs, checkpoint: noCheckpoint },
      { sender: caller, clientMsgId: input.clientMsgId, to: to!, body: input.body },
    );
    metrics.addMetric('MessagesSent', MetricUnit.Count, 1);
    logger.info('message sent', { msgId: reply.msgId, conversationId: reply.conversationId, conversationSeq: reply.conversationSeq });
    return reply;
  },
});

