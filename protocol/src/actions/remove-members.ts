import * as z from 'zod/mini';
import { MAX_MEMBER_LIST } from '../limits.js';
import { conversationIdSchema, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { membersChangedResult, type MembersChangedResult } from './add-members.js';

/** `removeMembers`: only the owner may remove others (FORBIDDEN `notOwner`); the owner leaves with `leaveGroup`. */
export const removeMembersRequest = z.strictObject({
  action: z.literal('removeMembers'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  members: z.array(userIdSchema).check(z.minLength(1), z.maxLength(MAX_MEMBER_LIST)),
});
export const removeMembersResult = membersChangedResult;
export type RemoveMembersResult = MembersChangedResult;
