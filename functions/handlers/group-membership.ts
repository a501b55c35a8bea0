import * as z from 'zod';
import { addMembers, createGroup, leaveGroup, type MembershipDeps, removeMembers } from '../shared/groups/change-membership.js';
import { groupSettingsFromEnv } from '../shared/groups/group-settings.js';
import { conversationIdSchema } from '../shared/messaging/conversation-id.js';
import { requestIdSchema, userIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';

const settings = groupSettingsFromEnv();
// Counted after validation so that TOO_LARGE, not BAD_REQUEST, answers an over-long list.
const memberList = z.array(userIdSchema).min(1).max(10_000);

const schema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('createGroup'), id: requestIdSchema, title: z.string().trim().min(1).max(100), members: z.array(userIdSchema).max(10_000) }),
  z.strictObject({ action: z.literal('addMembers'), id: requestIdSchema, conversationId: conversationIdSchema, members: memberList }),
  z.strictObject({ action: z.literal('removeMembers'), id: requestIdSchema, conversationId: conversationIdSchema, members: memberList }),
  z.strictObject({ action: z.literal('leaveGroup'), id: requestIdSchema, conversationId: conversationIdSchema }),
]);

const deps = (): MembershipDeps => ({ storage: storageFromEnv(), queue: jobQueueFromEnv(), pusher: pusherFromEnv(), settings, clock: Date.now });

/** `createGroup`, `addMembers`, `removeMembers`, `leaveGroup`: one function, one schema per action. */
export const handler = actionHandler({
  action: 'group-membership',
  schema,
  async run(input, { caller }) {
    switch (input.action) {
      case 'createGroup':
        return createGroup(deps(), caller.userId, input.title, input.members);
      case 'addMembers':
        return addMembers(deps(), caller.userId, input.conversationId, input.members);
      case 'removeMembers':
        return removeMembers(deps(), caller.userId, input.conversationId, input.members);
      case 'leaveGroup':
        return leaveGroup(deps(), caller.userId, input.conversationId);
    }
  },
});
