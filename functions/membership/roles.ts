import type { GroupRole } from '@serverless-im/protocol';

/** Whether a role manages the group: updates it, removes plain members, recalls any message. */
export const isAdmin = (role: GroupRole | undefined): boolean => role === 'owner' || role === 'admin';
