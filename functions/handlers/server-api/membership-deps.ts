import type { MembershipDeps } from '../../membership/change-membership.js';
import { groupSettingsFromEnv } from '../../membership/group-settings.js';
import { jobQueueFromEnv, pusherFromEnv, storageFromEnv } from '../../runtime/instance.js';

const settings = groupSettingsFromEnv();

/** What the group routes' domain functions need, as the WebSocket group-membership handler builds it. */
export const membershipDeps = (): MembershipDeps => ({ storage: storageFromEnv(), queue: jobQueueFromEnv(), pusher: pusherFromEnv(), settings, clock: Date.now });
