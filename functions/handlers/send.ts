import * as z from 'zod';
import { readGroupHead } from '../shared/groups/group-head.js';
import { sendGroupMessage } from '../shared/groups/send-group-message.js';
import { runtimeCheckpoint } from '../shared/messaging/checkpoints.js';
import { type ConversationRef, conversationIdSchema, directConversationId, parseConversationId, peerOf } from '../shared/messaging/conversation-id.js';
import { bodySchema } from '../shared/messaging/message.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { sendDirectMessage } from '../shared/messaging/send-direct-message.js';
import { badRequest, forbidden } from '../shared/protocol/errors.js';
import { requestIdSchema, userIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { requiredEnv } from '../shared/runtime/env.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';
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
    const deps = { storage, pusher: pusherFromEnv(), clock: Date.now, attemptMs, checkpoint: runtimeCheckpoint() };
    let conversation: ConversationRef;
    if (input.to !== undefined) {
      if (input.to === caller.userId) throw badRequest('to: cannot send a direct message to yourself');
      conversation = parseConversationId(directConversationId(caller.userId, input.to))!;
    } else {
      conversation = await requireMember(storage, caller.userId, input.conversationId!);
    }
    const common = { sender: caller, clientMsgId: input.clientMsgId, body: input.body };
    let reply;
    if (conversation.kind === 'direct') {
      reply = await sendDirectMessage(deps, { ...common, conversation, recipient: peerOf(conversation, caller.userId) });
    } else {
      const head = await readGroupHead(storage, conversation.id);
      if (!head) throw forbidden('not a member of this conversation');
      reply = await sendGroupMessage({ ...deps, queue: jobQueueFromEnv() }, { ...common, head });
    }
    metrics.addMetric('MessagesSent', MetricUnit.Count, 1);
    logger.info('message sent', { msgId: reply.msgId, conversationId: reply.conversationId, conversationSeq: reply.conversationSeq });
    return reply;
  },
});
