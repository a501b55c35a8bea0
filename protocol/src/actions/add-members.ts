import * as z from 'zod/mini';
import { MAX_MEMBER_LIST } from '../limits.js';
import { conversationIdSchema, count, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';

/** `addMembers`: any member may add; at most 100 user ids per request (TOO_LARGE `tooManyMembers`). */
export const addMembersRequest = z.strictObject({
  action: z.literal('addMembers'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  members: z.array(userIdSchema).check(z.minLength(1), z.maxLength(MAX_MEMBER_LIST)),
});

/**
 * The reply of `addMembers` and `removeMembers`: the full member list for a group delivered by
 * write fan-out, the members the change was about for a large group; and the member count.
 */
export const membersChangedResult = z.strictObject({ members: z.array(userIdSchema), memberCount: count() });
export type MembersChangedResult = z.infer<typeof membersChangedResult>;
export const addMembersResult = membersChangedResult;
export type AddMembersResult = MembersChangedResult;
