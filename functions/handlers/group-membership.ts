import { addMembersRequest, createGroupRequest, leaveGroupRequest, removeMembersRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import { addMembers, createGroup, leaveGroup, type MembershipDeps, removeMembers } from '../membership/change-membership.js';
import { groupSettingsFromEnv } from '../membership/group-settings.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { actionHandler } from '../runtime/action-handler.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

const settings = groupSettingsFromEnv();

const schema = z.discriminatedUnion('action', [createGroupRequest, addMembersRequest, removeMembersRequest, leaveGroupRequest]);

const deps = (): MembershipDeps => ({ storage: storageFromEnv(), queue: jobQueueFromEnv(), pusher: pusherFromEnv(), settings, clock: Date.now, checkpoint: runtimeCheckpoint() });

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
