import * as z from 'zod';
import { conversationIdSchema, peerOf } from '../shared/messaging/conversation-id.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';

const typingSchema = z.strictObject({ action: z.literal('typing'), id: requestIdSchema, conversationId: conversationIdSchema });

/** `typing`: an ephemeral signal to the other members; never stored. */
export const handler = actionHandler({
  action: 'typing',
  schema: typingSchema,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    const conversation = await requireMember(storage, caller.userId, input.conversationId);
    if (conversation.kind === 'direct') {
      await pusherFromEnv().pushToUsers([peerOf(conversation, caller.userId)], {
        event: 'typing',
        data: { conversationId: conversation.id, userId: caller.userId },
      });
    }
    return {};
  },
});
