import { registerPushRequest, unregisterPushRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import { registerPush, unregisterPush } from '../notifications/register-device.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pushApplicationsFromEnv, pushServiceFromEnv, storageFromEnv } from '../runtime/instance.js';

const applications = pushApplicationsFromEnv();
const schema = z.discriminatedUnion('action', [registerPushRequest, unregisterPushRequest]);

/** `registerPush`, `unregisterPush`: the caller's device (the connection's) and its push token. */
export const handler = actionHandler({
  action: 'push-registration',
  schema,
  async run(input, { caller }) {
    const deps = { storage: storageFromEnv(), push: pushServiceFromEnv(), applications, clock: Date.now };
    const owner = { userId: caller.userId, deviceId: caller.deviceId };
    return input.action === 'registerPush' ? registerPush(deps, owner, input.platform, input.token) : unregisterPush(deps, owner);
  },
});
