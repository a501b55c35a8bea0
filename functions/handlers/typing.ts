import * as z from 'zod';
import { readGroupHead } from '../shared/groups/group-head.js';
import { allGroupMembers } from '../shared/groups/group-members.js';
import { conversationIdSchema, peerOf } from '../shared/messaging/conversation-id.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';

const typingSchema = z.strictObject({ action: z.literal('typing'), id: requestIdSchema, conversationId: conversationIdSchema });

/**
 * Groups up to this size relay typing to every member. Beyond it a typing signal would cost a
 * device lookup per member for something nobody can follow in a crowd, so it is not relayed.
 */
const TYPING_RELAY_MAX_MEMBERS = 100;

/** `typing`: an ephemeral signal to the other members; never stored. */
export const handler = actionHandler({
  action: 'typing',
  schema: typingSchema,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    const conversation = await requireMember(storage, caller.userId, input.conversationId);
    const event = { event: 'typing', data: { conversationId: conversation.id, userId: caller.userId } };
    if (conversation.kind === 'direct') {
      await pusherFromEnv().pushToUsers([peerOf(conversation, caller.userId)], event);
      return {};
    }
    const head = await readGroupHead(storage, conversation.id);
    if (head && !head.large && head.memberCount <= TYPING_RELAY_MAX_MEMBERS) {
      const others = (await allGroupMembers(storage, conversation.id)).map((member) => member.userId).filter((userId) => userId !== caller.userId);
      await pusherFromEnv().pushToUsers(others, event);
    }
    return {};
  },
});
