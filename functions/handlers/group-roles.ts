import { setRoleRequest, transferOwnershipRequest, updateGroupRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import type { MembershipDeps } from '../membership/group-changes.js';
import { setRole, transferOwnership, updateGroup } from '../membership/group-roles.js';
import { groupSettingsFromEnv } from '../membership/group-settings.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { actionHandler } from '../runtime/action-handler.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

const settings = groupSettingsFromEnv();

const schema = z.discriminatedUnion('action', [setRoleRequest, transferOwnershipRequest, updateGroupRequest]);

const deps = (): MembershipDeps => ({
  storage: storageFromEnv(),
  queue: jobQueueFromEnv(),
  pusher: pusherFromEnv(),
  settings,
  clock: Date.now,
  checkpoint: runtimeCheckpoint(),
});

/** `setRole`, `transferOwnership`, `updateGroup`: roles and settings of a group, one function. */
export const handler = actionHandler({
  action: 'group-roles',
  schema,
  async run(input, { caller }) {
    switch (input.action) {
      case 'setRole':
        return setRole(deps(), caller.userId, input.conversationId, input.userId, input.role);
      case 'transferOwnership':
        return transferOwnership(deps(), caller.userId, input.conversationId, input.userId);
      case 'updateGroup': {
        const { title, onlyAdminsSend, onlyAdminsAdd } = input;
        return updateGroup(deps(), caller.userId, input.conversationId, {
          ...(title !== undefined ? { title } : {}),
          ...(onlyAdminsSend !== undefined ? { onlyAdminsSend } : {}),
          ...(onlyAdminsAdd !== undefined ? { onlyAdminsAdd } : {}),
        });
      }
    }
  },
});
